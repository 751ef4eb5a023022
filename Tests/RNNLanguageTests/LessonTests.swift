import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage
@testable import RNNRendering

/// The repository's lessons folder.
let lessonsFolder: String = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) && folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("lessons").path
}()

let lessonFiles: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: lessonsFolder)) ?? []
    return names.filter { $0.hasSuffix(".rnn") }.sorted()
}()

/// Runs a lesson exactly as `rnnrepl --check` does.
func lessonTranscript(_ name: String) throws -> (outcome: RunOutcome, output: String, errors: String) {
    let path = lessonsFolder + "/" + name
    let source = try String(contentsOfFile: path, encoding: .utf8)
    return Golden.transcript(of: source, fileName: "lessons/" + name, baseDirectory: lessonsFolder)
}

@Suite struct LessonTests {
    @Test func thereAreAtLeastEightLessons() {
        #expect(lessonFiles.count >= 8)
        #expect(lessonFiles.contains("03-bptt.rnn"))
    }

    @Test(arguments: lessonFiles)
    func lessonMatchesItsGoldenTranscript(name: String) throws {
        let source = try String(contentsOfFile: lessonsFolder + "/" + name, encoding: .utf8)
        var session = Session()
        session.baseDirectory = lessonsFolder
        let console = CapturingConsole()
        let outcome = Runner.run(source, fileName: "lessons/" + name, session: &session, console: console)
        let result = (outcome: outcome, output: console.output, errors: console.errors)
        #expect(result.outcome == .completed, "the lesson failed:\n\(result.errors)")
        // The same output laid out for a projector's 80 and 60 columns: every line fits.
        for width in [80, 60] {
            let context = RenderContext(style: .plain, width: width)
            let lines = console.blocks.map { renderText($0, context: context) }.joined().split(separator: "\n")
            let long = lines.filter { displayColumns($0) > width }
            #expect(long.isEmpty, "\(name) at \(width) columns: \(long.count) lines are longer, e.g. \(long.first ?? "")")
        }
        let expectedPath = Golden.expectedPath(forScript: lessonsFolder + "/" + name)
        let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
        let difference = Golden.diff(expected: expected, actual: result.output, expectedName: expectedPath,
                                     actualName: "output of " + name)
        #expect(difference.isEmpty, "\(name) differs from its golden transcript (run rnnrepl --check --update lessons/\(name) if the change is meant):\n\(difference)")
    }

    @Test func lessonsAreByteIdenticalFromRunToRun() throws {
        #expect(try lessonTranscript("03-bptt.rnn").output == lessonTranscript("03-bptt.rnn").output)
        #expect(try lessonTranscript("06-optimizers.rnn").output == lessonTranscript("06-optimizers.rnn").output)
    }

    @Test func everyLessonTeachesAndChecksItself() throws {
        for name in lessonFiles {
            let source = try String(contentsOfFile: lessonsFolder + "/" + name, encoding: .utf8)
            #expect(source.contains("\nexpect "), "\(name) asserts none of its numbers")
            #expect(source.contains("\necho "), "\(name) has no prose")
            #expect(source.contains("\npause"), "\(name) has no pauses for presenting")
        }
    }

    @Test(arguments: BuiltinCorpus.names)
    func builtinCorporaMatchTheirFiles(name: String) throws {
        let file = try String(contentsOfFile: lessonsFolder + "/data/\(name).txt", encoding: .utf8)
        #expect(file == BuiltinCorpus.text(named: name), "lessons/data/\(name).txt and the built-in '\(name)' differ")
    }

    @Test func theDiffShowsRemovalsThenAdditionsWithContext() {
        let diff = Golden.diff(expected: "a\nb\nc\nd\ne\n", actual: "a\nb\nX\nd\ne\n", expectedName: "old", actualName: "new", context: 1)
        #expect(diff == "--- old\n+++ new\n@@ expected line 2, actual line 2 @@\n b\n-c\n+X\n d\n")
        #expect(Golden.diff(expected: "same", actual: "same", expectedName: "a", actualName: "b").isEmpty)
    }

    @Test func expectedTranscriptsLiveNextToTheLessons() {
        #expect(Golden.expectedPath(forScript: "lessons/03-bptt.rnn") == "lessons/expected/03-bptt.txt")
        #expect(Golden.expectedPath(forScript: "intro.rnn") == "expected/intro.txt")
    }
}

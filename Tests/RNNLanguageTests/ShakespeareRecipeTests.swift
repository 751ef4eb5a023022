import Foundation
import Testing
@testable import RNNLanguage

/// The README's Shakespeare recipe: the fenced block after `<!-- shakespeare-recipe -->` must
/// parse, and the commands between its `load` and `train` must run (on a small text, with the
/// training shortened to one step), so that a reader who pastes it gets a model, not an error.
@Suite struct ShakespeareRecipeTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The lines of the first fenced block after the marker.
    static func recipe() throws -> [String] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- shakespeare-recipe -->"), "the README lost its recipe marker")
        let open = try #require(text.range(of: "```", range: marker.upperBound ..< text.endIndex))
        let body = try #require(text.range(of: "\n", range: open.upperBound ..< text.endIndex))
        let close = try #require(text.range(of: "\n```", range: body.lowerBound ..< text.endIndex))
        return text[body.upperBound ..< close.lowerBound].split(separator: "\n").map(String.init)
    }

    @Test func theRecipeParses() throws {
        let lines = try Self.recipe()
        let parsed = Parser.parse(lines.joined(separator: "\n"))
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(lines.contains { $0.hasPrefix("init ") })
        #expect(lines.contains { $0.hasPrefix("train ") && $0.contains("best=") })
    }

    @Test func theRecipeRunsOnASmallText() throws {
        let lines = try Self.recipe()
        let between = lines.filter { !$0.hasPrefix("load ") && !$0.hasPrefix("train ") && !$0.hasPrefix("#") }
        let train = try #require(lines.first { $0.hasPrefix("train ") })
        let folder = try TemporaryFolder()
        // Enough text for 32 streams of a 64-character window and a held-out tenth.
        var text = ""
        var words = ["KING:", "Thou", "art", "a", "villain", "and", "I", "am", "thy", "lord;", "speak!\n"]
        while text.count < 12_000 {
            text += words.joined(separator: " ") + "\n"
            words.append(words.removeFirst())
        }
        let data = try folder.write("play.txt", text: text)
        var session = Session()
        // The recipe's train line, shortened to one step, with its paths in the folder.
        var options = train.split(separator: " ").dropFirst(2).map { option in
            option.hasPrefix("best=") || option.hasPrefix("checkpoint=")
                ? option.prefix { $0 != "=" } + "=" + folder.path + "/" + option.prefix { $0 != "=" } + ".ckpt"
                : String(option)
        }
        options = options.map { $0.hasPrefix("eval-every=") ? "eval-every=1" : $0 }
        let script = (["load \(data) validation=0.1"] + between + ["train 1 " + options.joined(separator: " ")])
            .joined(separator: "\n")
        let result = run(script, &session)
        #expect(result.outcome == .completed, "\(result.errors)")
        #expect(session.trainer?.stepCount == 1)
    }
}

import Foundation
import Testing
@testable import RNNLanguage

/// The README's Python recipe, run as printed: it must read a safetensors checkpoint with `json`
/// + NumPy alone (the header by hand, `np.frombuffer` for the tensors) and score a text to the
/// same loss as rnnrepl's `score`, with one layer and with several.
@Suite struct CheckpointRecipeTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The first ```python block after the `<!-- checkpoint-recipe -->` marker.
    static func recipe() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- checkpoint-recipe -->"), "the README lost its recipe marker")
        let open = try #require(text.range(of: "```python\n", range: marker.upperBound ..< text.endIndex))
        let close = try #require(text.range(of: "\n```", range: open.upperBound ..< text.endIndex))
        return String(text[open.upperBound ..< close.lowerBound]) + "\n"
    }

    /// Runs python3 with `arguments`; nil when python3 cannot be started.
    static func python(_ arguments: [String]) -> (status: Int32, output: String, errors: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static let numpyIsPresent: Bool = python(["-c", "import numpy"])?.status == 0

    @Test func theRecipeIsInTheReadme() throws {
        let recipe = try Self.recipe()
        #expect(recipe.contains("import numpy as np") && recipe.contains("np.frombuffer"))
        #expect(!recipe.contains("safetensors.numpy"), "the recipe reads the file with NumPy alone")
    }

    @Test(.enabled(if: numpyIsPresent, "needs python3 with NumPy"), arguments: [
        ("load builtin story\ninit hidden=12 seq=10 lr=0.1 seed=5\ntrain 300 print-every=1000", "the boat sailed on"),
        ("load builtin rhyme\ninit hidden=7 seq=6 optimizer=adam lr=0.01 seed=2\ntrain 50 print-every=1000", "the dog ran to the log."),
        ("load builtin hello\ninit hidden=3 seq=4", "hello"),
        ("load builtin story\ninit cell=lstm hidden=10 seq=12 lr=0.05 sigma=0.3 seed=3\ntrain 150 print-every=1000", "the boat"),
        ("load builtin rhyme\ninit cell=gru hidden=9 seq=8 optimizer=adam sigma=0.3 seed=4\ntrain 120 print-every=1000", "the cat sat."),
        ("load builtin story\ninit layers=2 batch=3 hidden=8 seq=10 lr=0.05 sigma=0.3 seed=6\ntrain 100 print-every=1000", "the boat"),
        ("load builtin story\ninit cell=lstm layers=2 batch=2 hidden=9 seq=12 lr=0.05 sigma=0.3 dropout=0.2 optimizer=adam\n"
            + "train 100 print-every=1000", "the boat sailed on"),
        ("load builtin rhyme\ninit cell=gru layers=3 hidden=6 seq=8 optimizer=rmsprop lr=0.01 sigma=0.4 seed=2\n"
            + "train 80 print-every=1000", "the cat sat."),
    ])
    func numpyScoresLikeRnnrepl(setup: String, text: String) throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("score.py", text: try Self.recipe())
        var session = session(after: setup)
        let checkpoint = folder.path + "/run.safetensors"
        #expect(run("save \(checkpoint)", &session).outcome == .completed)
        let scored = run("score \"\(text)\"", &session)
        #expect(scored.outcome == .completed, "\(scored.errors)")
        guard let expected = session.lastScore else { return }

        let result = try #require(Self.python([script, checkpoint, text]))
        #expect(result.status == 0, "\(result.errors)")
        // "loss L per character P perplexity Q"
        let words = result.output.split(whereSeparator: \.isWhitespace)
        let loss = try #require(words.firstIndex(of: "loss").flatMap { Double(words[$0 + 1]) }, "\(result.output)")
        let relative = abs(loss - expected.loss) / abs(expected.loss)
        #expect(relative <= 1e-9, "NumPy \(loss) vs rnnrepl \(expected.loss)")
    }

    /// evaluate's definition, recomputed: the held-out text read once from h = 0, the mean of
    /// −ln p over its n − 1 predictions.
    @Test(.enabled(if: numpyIsPresent, "needs python3 with NumPy"), arguments: ["rnn", "lstm", "gru layers=2"])
    func numpyRecomputesTheValidationLoss(cell: String) throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("score.py", text: try Self.recipe())
        let story = try folder.write("story.txt", text: BuiltinCorpus.text(named: "story")!)
        var session = session(after: "load \(story) validation=0.15\ninit cell=\(cell) hidden=10 seq=12 lr=0.05 sigma=0.3 seed=3\n"
                                     + "train 200 eval-every=100 print-every=1000\nevaluate")
        let expected = try #require(session.trainer?.validationHistory.last?.loss)
        let checkpoint = folder.path + "/run.safetensors"
        #expect(run("save \(checkpoint)", &session).outcome == .completed)
        let result = try #require(Self.python([script, checkpoint, "--held-out"]))
        #expect(result.status == 0, "\(result.errors)")
        let words = result.output.split(whereSeparator: \.isWhitespace)
        let perCharacter = try #require(words.firstIndex(of: "character").flatMap { Double(words[$0 + 1]) }, "\(result.output)")
        #expect(abs(perCharacter - expected) / expected <= 1e-9, "NumPy \(perCharacter) vs rnnrepl \(expected)")
    }
}

import Foundation
import TestSupport
@testable import RNNCore
@testable import RNNLanguage

/// Runs `source` as a script on `session` and returns what it printed.
@discardableResult
func run(_ source: String, _ session: inout Session, fileName: String? = "test.rnn") -> (outcome: RunOutcome, output: String, errors: String) {
    let console = CapturingConsole()
    let outcome = Runner.run(source, fileName: fileName, session: &session, console: console)
    return (outcome, console.output, joiningWrappedErrorLines(console.errors))
}

/// A fresh session that ran `source` successfully.
func session(after source: String) -> Session {
    var session = Session()
    let result = run(source, &session)
    precondition(result.outcome == .completed, "setup failed: \(result.errors)")
    return session
}

/// What must not change when a command fails.
struct Fingerprint: Equatable {
    var corpus: String?
    var corpusCount: Int?
    var parameters: [Double]?
    var gradients: [Double]?
    var memory: [Double]?
    var steps: Int?
    var position: Int?
    var hidden: [Double]?
    var smoothLoss: Double?
    var config: TrainingConfig
    var modelConfig: TrainingConfig?
    var display: DisplaySettings
    /// The recorded window as `show x`, `show p` and `show loss` see it.
    var recordedWindow: RecordedWindow?
    var recordedInputs: [Int]?
    var recordedProbabilities: [[Double]]?
    var recordedLosses: [Double]?

    init(_ session: Session) {
        corpus = session.corpus?.source
        corpusCount = session.corpus?.count
        parameters = session.trainer?.parameters.values
        gradients = session.trainer?.gradients.values
        memory = session.trainer?.optimizer.memory
        steps = session.trainer?.stepCount
        position = session.trainer?.position
        hidden = session.trainer?.hiddenState
        smoothLoss = session.trainer?.smoothLoss
        config = session.config
        modelConfig = session.trainer?.config
        display = session.display
        recordedWindow = session.trainer?.recordedWindow
        if let trainer = session.trainer, trainer.recordedWindow != nil {
            let cell = trainer.record
            recordedInputs = (0 ..< cell.steps).map(cell.input(at:))
            recordedProbabilities = (0 ..< cell.steps).map(cell.probabilities(at:))
            recordedLosses = (0 ..< cell.steps).map(cell.loss(at:))
        }
    }
}

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnlang-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func write(_ name: String, text: String) throws -> String { try write(name, bytes: Array(text.utf8)) }
}

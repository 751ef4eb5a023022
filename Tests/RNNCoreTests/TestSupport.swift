import Foundation
@testable import RNNCore

/// The C library's natural log (the reference for portableLog).
func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rnncore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` and returns the path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }
}

/// A small corpus from a string (trusted test input).
func corpus(_ text: String) -> Corpus {
    try! Corpus(text: text, source: "test")
}

/// Parameters drawn with a given σ for every weight (larger than the article's 0.01 so that
/// gradients are large enough to be compared to central differences in relative terms).
func randomParameters(cell: CellKind = .rnn, vocabularySize: Int, hiddenSize: Int, layers: Int = 1, sigma: Double,
                      recurrent: RecurrentInitializer = .random, recurrentScale: Double = 0.5,
                      biasSigma: Double = 0.1, seed: UInt64) -> Parameters {
    var generator = SeededGenerator(seed: seed)
    let layout = ParameterLayout.forModel(cell, vocabularySize: vocabularySize, hiddenSize: hiddenSize, layers: layers)
    var parameters = Initialization(weightScale: sigma, recurrent: recurrent, recurrentScale: recurrentScale)
        .parameters(for: layout, generator: &generator)
    for entry in layout.entries where entry.rows == 1 {
        for i in entry.range { parameters.values[i] = generator.nextGaussian() * biasSigma }
    }
    return parameters
}

/// Largest |a − b| over two equally long lists.
func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

import Foundation
import Testing
@testable import RNNCore
@testable import RNNLanguage

/// `export PATH format=pytorch`: the file is read with Foundation alone and the text scored
/// with PyTorch's own equations for torch.nn.RNN/LSTM/GRU and torch.nn.Linear, written out
/// here in PyTorch's column convention (W·x + b); the loss must be `score`'s. (bench/ checks
/// the same with PyTorch itself, which CI does not have.)
@Suite struct PyTorchExportTests {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// y = W·x + b for W (rows × columns) row-major.
    static func affine(_ w: [Double], _ x: [Double], _ b: [Double]) -> [Double] {
        let columns = x.count
        return (0 ..< b.count).map { row in
            var sum = b[row]
            for column in 0 ..< columns { sum += w[row * columns + column] * x[column] }
            return sum
        }
    }

    /// Σ −ln p(next) over `text` from the zero state, as torch.nn.{RNN, LSTM, GRU} and
    /// torch.nn.Linear compute it (their documented equations), from the state_dict's tensors.
    static func pytorchLoss(_ parts: SafetensorsParts, cell: String, layers: Int, hidden h: Int, vocabulary: [Character],
                            text: String) -> Double {
        let v = vocabulary.count
        var hs = [[Double]](repeating: [Double](repeating: 0, count: h), count: layers)
        var cs = hs
        let indices = text.map { vocabulary.firstIndex(of: $0)! }
        var loss = 0.0
        for t in 0 ..< indices.count - 1 {
            var x = [Double](repeating: 0, count: v)
            x[indices[t]] = 1
            for k in 0 ..< layers {
                let gi = affine(parts.values("rnn.weight_ih_l\(k)"), x, parts.values("rnn.bias_ih_l\(k)"))
                let gh = affine(parts.values("rnn.weight_hh_l\(k)"), hs[k], parts.values("rnn.bias_hh_l\(k)"))
                switch cell {
                case "lstm":  // i, f, g, o
                    for j in 0 ..< h {
                        let i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[h + j] + gh[h + j])
                        let g = tanh(gi[2 * h + j] + gh[2 * h + j]), o = sigmoid(gi[3 * h + j] + gh[3 * h + j])
                        cs[k][j] = f * cs[k][j] + i * g
                        hs[k][j] = o * tanh(cs[k][j])
                    }
                case "gru":  // r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) n + z h
                    for j in 0 ..< h {
                        let r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[h + j] + gh[h + j])
                        let n = tanh(gi[2 * h + j] + r * gh[2 * h + j])
                        hs[k][j] = (1 - z) * n + z * hs[k][j]
                    }
                default:
                    hs[k] = (0 ..< h).map { tanh(gi[$0] + gh[$0]) }
                }
                x = hs[k]
            }
            let logits = affine(parts.values("out.weight"), x, parts.values("out.bias"))
            let top = logits.max()!
            loss += top + log(logits.map { exp($0 - top) }.reduce(0, +)) - logits[indices[t + 1]]
        }
        return loss
    }

    static let models = [("rnn", 1), ("lstm", 1), ("gru", 1), ("rnn", 2), ("lstm", 2), ("gru", 3)]

    @Test(arguments: models)
    func pytorchsEquationsOnTheExportGiveScoresLoss(cell: String, layers: Int) throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/model.safetensors"
        let text = "the cat sat on the mat. the dog ran to the log."
        var session = session(after: "load builtin rhyme\ninit cell=\(cell) layers=\(layers) batch=2 hidden=7 seq=8 sigma=0.4 "
            + "optimizer=adam lr=0.02\ntrain 40 print-every=100")
        let exported = run("export \(path) format=pytorch", &session)
        #expect(exported.outcome == .completed, "\(exported.errors)")
        #expect(exported.output.replacingOccurrences(of: "\n  ", with: " ").hasPrefix("exported step 40 to \(path) (PyTorch state_dict, float64, "), "\(exported.output)")
        #expect(run("score \"\(text)\"", &session).outcome == .completed)
        let expected = try #require(session.lastScore).loss

        let parts = try SafetensorsParts(path: path)
        let vocabulary = Array(parts.metadata["rnnrepl.vocabulary"]!)
        #expect(vocabulary == Array(session.trainer!.vocabulary.string))
        #expect(parts.metadata["format"] == "pt" && parts.metadata["rnnrepl.cell"] == cell
                && parts.metadata["rnnrepl.layers"] == String(layers) && parts.metadata["rnnrepl.hidden"] == "7")
        let loss = Self.pytorchLoss(parts, cell: cell, layers: layers, hidden: 7, vocabulary: vocabulary, text: text)
        #expect(abs(loss - expected) <= 1e-9 * abs(expected), "PyTorch's equations \(loss) vs score \(expected)")
    }

    /// PyTorch's names, shapes and layout, tensor by tensor, for a 2-layer GRU (the cell with
    /// the most to get right: b_hn sits in bias_hh).
    @Test func namesShapesAndPlacesOfAGRU() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/gru.safetensors"
        var session = session(after: "load builtin rhyme\ninit cell=gru layers=2 hidden=5 sigma=0.3\ntrain 5 print-every=100")
        run("export \(path) format=pytorch", &session)
        let parts = try SafetensorsParts(path: path)
        let p = session.trainer!.parameters
        func m(_ name: String) -> Matrix { p.matrix(named: name)! }
        #expect(parts.names == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "out.weight", "out.bias"])
        #expect(parts.shape("rnn.weight_ih_l0") == [15, 24] && parts.shape("rnn.weight_ih_l1") == [15, 5]
                && parts.shape("rnn.weight_hh_l1") == [15, 5] && parts.shape("rnn.bias_hh_l0") == [15]
                && parts.shape("out.weight") == [24, 5] && parts.shape("out.bias") == [24])
        // Row g·H + j, column i of weight_ih is W_x{gate g}[i, j]: the update gate u is PyTorch's z, the second block.
        let ih = parts.values("rnn.weight_ih_l0")
        #expect(ih[(1 * 5 + 3) * 24 + 7] == m("W_xu@1")[7, 3])
        #expect(parts.values("rnn.weight_hh_l1")[(2 * 5 + 4) * 5 + 1] == m("W_hn@2")[1, 4])
        #expect(parts.values("rnn.bias_ih_l1") == m("b_r@2").storage + m("b_u@2").storage + m("b_n@2").storage)
        #expect(parts.values("rnn.bias_hh_l0") == [Double](repeating: 0, count: 10) + m("b_hn@1").storage)
        #expect(parts.values("out.weight")[6 * 5 + 2] == m("W_hy")[2, 6])
        #expect(parts.values("out.bias") == m("b_y").storage)
        #expect(parts.names.allSatisfy { parts.dtype($0) == "F64" })
    }

    /// A float32 model's export is float32: the weights rounded as the model rounds them to compute.
    @Test func aFloat32ModelExportsFloat32() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/m.safetensors"
        var session = session(after: "load builtin rhyme\ninit cell=lstm hidden=6 dtype=float32 optimizer=adam\ntrain 5 print-every=100")
        let output = run("export \(path) format=pytorch", &session).output.replacingOccurrences(of: "\n  ", with: " ")
        #expect(output.contains("(PyTorch state_dict, float32, "))
        let parts = try SafetensorsParts(path: path)
        #expect(parts.names.allSatisfy { parts.dtype($0) == "F32" })
        let w = session.trainer!.parameters.matrix(named: "W_hy")!
        #expect(parts.values("out.weight")[4 * 6 + 5] == Double(Float(w[5, 4])))
        #expect(Double(Float(w[5, 4])) != w[5, 4], "the master weight itself is float64")
    }
}

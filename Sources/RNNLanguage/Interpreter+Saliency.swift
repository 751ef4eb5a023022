import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: saliency

    /// `saliency`: ‖∂ log p_t[y_t] / ∂e_s‖ for each character s ≤ t, over the text and as bars.
    mutating func saliency(_ text: AnalysisText, step: Located<Int>?, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        guard let input = try analysisInput(text, command: "saliency", limit: Limits.saliencyCharacters, minimum: 2) else {
            write("interrupted: nothing was read\n")
            return .interrupted
        }
        let n = input.scalars.count
        let t = step?.value ?? n - 2
        if let step, t > n - 2 { throw Diagnostic(.predictionOutOfText(step: t, characters: n), at: step.range) }
        let trainer = session.trainer!
        let result = trainer.stateReader().saliency(of: Array(input.indices[...(t + 1)]))
        let norms = result.norms
        let digits = max(precision - 1, 2)
        let target = characterLabel(input.scalars[t + 1])
        let seen = shortQuoted(Array(input.scalars[...t]))
        let strongest = norms.indices.max { norms[$0] < norms[$1] || (norms[$0] == norms[$1] && $0 > $1) }!
        var header = "saliency of the prediction at t=\(t): after reading \(seen) from \(zeroStateWords), the model gave the next "
            + "character, \(target), p = " + NumberFormat.general(exp(result.logProbability), significant: 3) + " (log p = "
            + NumberFormat.fixed(result.logProbability, decimals: digits) + ").\n"
        let distance = strongest == t ? "the last character read" : counted(t - strongest, "character") + " back"
        let largest: String = "The largest is at s=\(strongest), " + characterLabel(input.scalars[strongest]) + " (" + distance + "): "
            + NumberFormat.general(norms[strongest], significant: 3)
        header += "For each character s ≤ t: ‖∂ log p_t[y_t] / ∂e_s‖, e_s = x_s·W_x, the rows of the input matrices that x_s "
        header += "picks at step s "
        header += "(how much changing what step s read would change this prediction). " + largest + "\n"
        writeStyled(header)
        let upper = norms.max()! > 0 ? norms.max()! : 1
        let values: [Double?] = norms.map { $0 } + [nil]
        var marks = [Bool](repeating: false, count: t + 2)
        marks[t + 1] = true
        let shaded = HighlightedText(scalars: Array(input.scalars[...(t + 1)]), values: values, scale: .sequential(upper: upper),
                                     marks: marks, marksMeaning: "the character predicted", missingMeaning: "the character predicted")
        emit(.highlight(shaded))
        // Bars for the characters nearest the prediction (all of them in a short text).
        let first = max(0, t + 1 - 40)
        let bars = (first ... t).map { s in Bar(label: "s=\(s) " + characterLabel(input.scalars[s]), value: norms[s]) }
        let title = "‖∂ log p_t[y_t] / ∂e_s‖ for s = \(first) to \(t)" + (first > 0 ? " (the 40 characters before the prediction)" : "")
        emit(.bars(bars, BarChartOptions(title: title, precision: digits, significant: 2)))
        return .completed
    }

    // MARK: plot states

    /// `plot states`: h_t of the top layer over a text, on its first two principal components.
    func plotStates(options: PlotOptions, command: Command) throws(Diagnostic) -> CommandOutcome {
        try requireModel(command)
        guard let input = try analysisInput(options.text!, command: "plot states", limit: Limits.stateCharacters, minimum: 2) else {
            write("interrupted: nothing was read\n")
            return .interrupted
        }
        let trainer = session.trainer!
        let layers = trainer.config.layers
        let reader = trainer.stateReader()
        guard let states = reader.hiddenStates(layer: layers - 1, text: input.indices, shouldStop: console.takeInterrupt),
              let pca = principalComponents(of: states, count: 2, shouldStop: console.takeInterrupt) else {
            write("interrupted: nothing was plotted\n")
            return .interrupted
        }
        guard pca.totalVariance > 0 else {
            throw Diagnostic(.statesNeverVary(characters: input.scalars.count), at: options.text!.source.range)
        }
        let shares = pca.explainedShares
        let second = shares.count > 1 ? shares[1] : 0
        let points = input.scalars.enumerated().map { t, scalar in
            ScatterPoint(x: pca.projections[t][0], y: pca.projections[t].count > 1 ? pca.projections[t][1] : 0, label: scalar)
        }
        writeStyled("h_t" + (layers > 1 ? " of the top layer (\(layers))" : "") + " after each character of \(input.name), read from "
            + zeroStateWords + ", projected on its first two principal components (the directions in which h_t varies most over "
            + "this text): PC1 explains " + percent(shares[0]) + " of the variance, PC2 " + percent(second) + "; each point is "
            + "drawn as the character just read\n")
        let width = options.width, height = options.height ?? 16
        emit(.scatter(points, ScatterLayout(width: width, height: height, xLabel: "PC1 (" + percent(shares[0]) + ")",
                                            yLabel: "PC2 (" + percent(second) + ")")))
        return .completed
    }
}

import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    mutating func keep(_ name: Located<String>, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let trainer = session.trainer!
        let losses = trainer.lossesPerCharacter
        let norms = trainer.recordedWindow?.backwardDone == true ? trainer.record.hiddenGradientNorms : nil
        guard !losses.isEmpty || norms != nil else {
            throw Diagnostic(.notYet(.somethingToKeep), at: command.range)
        }
        let run = KeptRun(name: name.value, losses: losses, gradientNorms: norms)
        if let index = session.keptRuns.firstIndex(where: { $0.name == name.value }) {
            session.keptRuns[index] = run
        } else {
            session.keptRuns.append(run)
        }
        var parts: [String] = []
        if !losses.isEmpty { parts.append("the loss curve of \(losses.count) steps") }
        if let norms { parts.append("‖∂L/∂h_t‖ for \(norms.count) steps") }
        writeStyled("kept " + parts.joined(separator: " and ") + " as '\(name.value)' (\(session.keptRuns.count) kept)\n")
    }

    mutating func forget(_ name: Located<String>?) throws(Diagnostic) {
        guard let name else {
            let count = session.keptRuns.count
            session.keptRuns = []
            write("forgot " + counted(count, "kept run") + "\n")
            return
        }
        guard let index = session.keptRuns.firstIndex(where: { $0.name == name.value }) else {
            let names = session.keptRuns.map(\.name)
            throw Diagnostic(.noSuchKeptRun(name: name.value, kept: names, suggestion: closestMatch(to: name.value, in: names)),
                             at: name.range)
        }
        session.keptRuns.remove(at: index)
        write("forgot '\(name.value)' (\(session.keptRuns.count) kept)\n")
    }

    /// The kept ‖∂L/∂h_t‖ profiles on a log scale.
    func plotRunNorms(options: PlotOptions, command: Command) throws(Diagnostic) {
        let runs = session.keptRuns.filter { $0.gradientNorms != nil }
        guard !runs.isEmpty else {
            throw Diagnostic(.notYet(.keptGradientNorms), at: command.range)
        }
        let series = runs.map { PlotSeries(name: $0.name, values: $0.gradientNorms!, firstX: 0) }
        emit(.plot(series, PlotLayout(LinePlotOptions(title: "‖∂L/∂h_t‖ for each step t, for each kept run",
                                                     height: options.height ?? 14, logScale: true, xLabel: "t",
                                                     yMin: options.yMin, yMax: options.yMax),
                                      width: options.width)))
        var rows: [[String]] = []
        for run in runs {
            let norms = run.gradientNorms!
            rows.append([run.name, NumberFormat.general(norms.first!, significant: 4), NumberFormat.general(norms.last!, significant: 4),
                         NumberFormat.general(norms.first! / norms.last!, significant: 4)])
        }
        let table = formatTable(header: ["run", "‖∂L/∂h_0‖", "‖∂L/∂h_last‖", "ratio"], rows: rows, rightAligned: [1, 2, 3])
        emit(.text { $0.style.text(table) })
    }

    /// Running means of each kept curve, over windows of about 1/30 of the longest run.
    func plotRuns(options: PlotOptions, command: Command) throws(Diagnostic) {
        let runs = session.keptRuns.filter { !$0.losses.isEmpty }
        guard !runs.isEmpty else {
            throw Diagnostic(.notYet(.keptRuns), at: command.range)
        }
        let longest = runs.map(\.losses.count).max()!
        let window = max(1, longest / 30)
        let series = runs.map { run in
            PlotSeries(name: run.name, values: runningMean(run.losses, window: window))
        }
        let title = "loss per character at each step, mean of the last \(window) step" + (window == 1 ? "" : "s")
            + ", for each kept run"
        emit(.plot(series, PlotLayout(LinePlotOptions(title: title, height: options.height ?? 14, logScale: options.logScale,
                                                     xLabel: "step", yMin: options.yMin, yMax: options.yMax),
                                      width: options.width)))
        var rows: [[String]] = []
        for (run, line) in zip(runs, series) {
            rows.append([run.name, String(run.losses.count), fixed(line.ys.first ?? 0), fixed(line.ys.last ?? 0)])
        }
        write(formatTable(header: ["run", "steps", "first", "last"], rows: rows, rightAligned: [1, 2, 3]))
    }

    func plot(_ kind: PlotKind, options: PlotOptions, command: Command) throws(Diagnostic) -> CommandOutcome {
        if kind == .runs {
            try plotRuns(options: options, command: command)
            return .completed
        }
        if kind == .runNorms {
            try plotRunNorms(options: options, command: command)
            return .completed
        }
        if kind == .states { return try plotStates(options: options, command: command) }
        try requireModel(command)
        let trainer = session.trainer!
        switch kind {
        case .loss:
            guard !trainer.lossHistory.isEmpty else {
                throw Diagnostic(.notYet(.trainingSteps(name: "plot loss")), at: command.range)
            }
            // The smooth loss as training computes it (a sum over the window), per character.
            var smooth: [Double] = []
            var s = -log(1 / Double(trainer.vocabulary.count)) * Double(trainer.windowLengths[0].length)
            var change = 0
            for (index, loss) in trainer.lossHistory.enumerated() {
                while change + 1 < trainer.windowLengths.count && trainer.windowLengths[change + 1].step <= index + 1 {
                    s *= Double(trainer.windowLengths[change + 1].length) / Double(trainer.windowLengths[change].length)
                    change += 1
                }
                s = 0.999 * s + 0.001 * loss
                smooth.append(s / Double(trainer.windowLengths[change].length))
            }
            let plotOptions = LinePlotOptions(title: "loss per character at each step (the window's loss / T)",
                                              height: options.height ?? 14, logScale: options.logScale, xLabel: "step",
                                              yMin: options.yMin, yMax: options.yMax)
            var series = [PlotSeries(name: "loss", values: trainer.lossesPerCharacter),
                          PlotSeries(name: "smooth loss", values: smooth)]
            let validation = trainer.validationHistory.filter { $0.step >= 1 }
            if !validation.isEmpty {
                series.append(PlotSeries(name: "validation loss", xs: validation.map { Double($0.step) },
                                         ys: validation.map(\.loss)))
            }
            emit(.plot(series, PlotLayout(plotOptions, width: options.width)))
        case .gradNorms:
            guard let window = trainer.recordedWindow, window.backwardDone else {
                throw Diagnostic(.notYet(.backwardPass(name: "plot grad-norms")), at: command.range)
            }
            let norms = trainer.record.hiddenGradientNorms
            let title = "‖∂L/∂h_t‖ for each step t of the last window"
                + (window.backwardLosses == .last ? ", loss of the last step only" : "")
            if norms.count <= 24 && !options.logScale {
                let bars = norms.enumerated().map { t, value in
                    Bar(label: "t=\(t) " + characterLabel(trainer.vocabulary[trainer.record.input(at: t)]), value: value)
                }
                emit(.bars(bars, BarChartOptions(title: title, width: options.width.map { $0 - 20 }, precision: precision)))
            } else {
                emit(.plot([PlotSeries(name: "‖∂L/∂h_t‖", values: norms, firstX: 0)],
                           PlotLayout(LinePlotOptions(title: title, height: options.height ?? 12, logScale: options.logScale,
                                                      xLabel: "t", yMin: options.yMin, yMax: options.yMax),
                                      width: options.width)))
            }
        case .probs:
            let p: [Double], title: String
            if let prime = options.prime {
                let indices: [Int]
                switch trainer.vocabulary.encode(prime.value) {
                case .success(let encoded): indices = encoded
                case .failure(let unknown):
                    throw Diagnostic(.model(.unknownCharacter(context: "prime", scalar: unknown.scalar, position: unknown.position)),
                                     at: prime.range)
                }
                guard let probabilities = nextCharacterProbabilities(trainer.textModel(), prime: indices,
                                                                     temperature: options.temperature,
                                                                     shouldStop: console.takeInterrupt) else {
                    write("interrupted: nothing was plotted\n")
                    return .interrupted
                }
                p = probabilities
                title = "the next character after \(quoted(prime.value)), temperature \(formatSettingNumber(options.temperature))"
            } else {
                guard trainer.recordedWindow != nil else {
                    throw Diagnostic(.notYet(.recordedWindow(name: "plot probs")), at: command.range)
                }
                let steps = trainer.record.steps
                let t = options.step ?? steps - 1
                guard t < steps else { throw Diagnostic(.stepOutOfWindow(step: t, steps: steps), at: command.range) }
                p = trainer.record.probabilities(at: t)
                let input = characterLabel(trainer.vocabulary[trainer.record.input(at: t)])
                let target = characterLabel(trainer.vocabulary[trainer.record.target(at: t)])
                title = "p_t at t=\(t): after \(input), the target is \(target)"
            }
            let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(options.top)
            let bars = order.map { Bar(label: characterLabel(trainer.vocabulary[$0]), value: p[$0]) }
            emit(.bars(bars, BarChartOptions(title: title + " (top \(bars.count) of \(p.count))",
                                             width: options.width.map { $0 - 20 }, precision: precision, scale: 1)))
        case .runs, .runNorms, .states:
            preconditionFailure("handled above")
        }
        return .completed
    }

}
func runningMean(_ values: [Double], window: Int) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(values.count)
    var sum = 0.0
    for (i, value) in values.enumerated() {
        sum += value
        if i >= window { sum -= values[i - window] }
        result.append(sum / Double(min(i + 1, window)))
    }
    return result
}

/// "1 character", "2 characters", "1,000 characters".
func counted(_ count: Int, _ noun: String) -> String {
    NumberFormat.grouped(count) + " " + noun + (count == 1 ? "" : "s")
}

extension SettingKey {
    /// What the setting means (for `config`).
    var summary: String {
        switch self {
        case .cell: "kind of recurrent cell"
        case .hidden: "H, size of the hidden state h_t"
        case .seq: "T, characters per training window (BPTT length)"
        case .lr: "learning rate"
        case .clip: "clip limit: bound of each gradient entry, or of the norm"
        case .clipMode: "value: clip each entry; norm: scale the whole gradient; off"
        case .optimizer: "update rule"
        case .seed: "seed of the initial weights (and of sampling)"
        case .whh: "initial W_hh (every W_h* of a gated cell): identity, random or orthogonal"
        case .scale: "scale of the initial W_hh (W_h*)"
        case .sigma: "σ of the initial W_xh (W_x*) and W_hy"
        case .forgetBias: "initial b_f of an LSTM (σ(1) ≈ 0.73: mostly remember)"
        case .update: "apply the gradients (off: the article's missing update)"
        case .zeroGrad: "zero gradients every step (off: the article's accumulation)"
        case .carry: "carry h (and an LSTM's c) between windows (off: the article's h = 0 every window)"
        case .layers: "L, stacked layers (layer l+1 reads layer l's h_t)"
        case .batch: "B, streams read side by side; the loss is their mean"
        case .dropout: "p of dropout between layers and before the output (training only)"
        case .dtype: "number type of the computation: float64 or float32"
        case .threads: "threads of a batched model (the numbers do not depend on it)"
        case .warmup: "steps over which lr rises linearly from lr/warmup to lr"
        case .decay: "after warm-up: constant, cosine (to lr-min) or step"
        case .decaySteps: "cosine: steps to reach lr-min; step: steps between decays"
        case .decayFactor: "step decay: lr is multiplied by this every decay-steps"
        case .lrMin: "the floor lr decays to"
        case .precision: "digits shown after the decimal point"
        case .width: "characters per line for matrices and plots"
        }
    }
}


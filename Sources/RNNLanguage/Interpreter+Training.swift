import RNNCore
import RNNRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Interpreter {
    // MARK: Training

    /// "loss 35.5692 = 1.7785 per char": the window's sum (what min-char-rnn prints) and the
    /// loss per character (what compares across window lengths).
    func lossText(_ sum: Double, characters: Int) -> String {
        "loss " + fixed(sum) + " = " + fixed(sum / Double(characters)) + " per char"
    }

    func stepLine(_ report: StepReport) -> String {
        var line = "step " + leftPad(String(report.step), 6) + "  " + lossText(report.loss, characters: report.sequenceLength)
            + "  smooth " + fixed(report.smoothLoss / Double(report.sequenceLength)) + " per char  p " + String(report.position)
        if report.wrapped && report.step > 1 { line += "  (wrapped to the start, h reset)" }
        return line + "\n"
    }

    mutating func step(count: Int, trace: Bool, command: Command) throws(Failure) -> CommandOutcome {
        do { try requireModel(command) } catch { throw Failure(diagnostic: error) }
        for done in 0 ..< count {
            if done > 0 && console.takeInterrupt() {
                write("interrupted after \(done) of \(count) steps\n")
                return .interrupted
            }
            do {
                let before = session.trainer!.parameters
                let recorder = trace ? BackwardRecorder() : nil
                let report = try session.trainer!.step(recorder: recorder)
                if trace {
                    emitTrace(traceInput(parameters: before, recorder: recorder, report: report)) { $0.step() }
                } else {
                    write(stepLine(report))
                }
            } catch {
                throw Failure(diagnostic: Diagnostic(.model(error), at: command.range), keepsProgress: done > 0)
            }
        }
        return .completed
    }

    mutating func forward(trace: Bool, command: Command) throws(Diagnostic) {
        try requireModel(command)
        let loss = session.trainer!.forwardOnly()
        if trace {
            emitTrace(traceInput(parameters: session.trainer!.parameters, recorder: nil, report: nil)) { $0.forward() }
        } else {
            let t = Double(session.trainer!.config.sequenceLength)
            write("forward over characters \(session.trainer!.recordedWindow!.start) to "
                + "\(session.trainer!.recordedWindow!.start + Int(t) - 1): " + lossText(loss, characters: Int(t))
                + "; nothing was learnt\n")
        }
    }

    mutating func backward(trace: Bool, lastOnly: Bool, command: Command) throws(Diagnostic) {
        try requireModel(command)
        guard session.trainer!.recordedWindow?.matchesParameters == true else {
            throw Diagnostic(.notYet(.forwardWithCurrentWeights(stepSince: session.trainer!.recordedWindow != nil)),
                             at: command.range)
        }
        let recorder = trace ? BackwardRecorder() : nil
        session.trainer!.backwardOnly(recorder: recorder, losses: lastOnly ? .last : .all)
        if trace {
            emitTrace(traceInput(parameters: session.trainer!.parameters, recorder: recorder, report: nil)) {
                $0.backward() + $0.gradients(title: "gradients of the window (not clipped, not applied)")
            }
        } else {
            let norm = session.trainer!.gradients.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let norms = session.trainer!.cell.hiddenGradientNorms
            writeStyled("backward" + (lastOnly ? " (loss of the last step only)" : "")
                + ": dW_… filled, not clipped or applied; ‖g‖ = " + NumberFormat.general(norm, significant: 6) + "\n"
                + "  ‖∂L/∂h_t‖ from " + NumberFormat.general(norms.first ?? 0, significant: 4)
                + " at t=0 to " + NumberFormat.general(norms.last ?? 0, significant: 4) + " at t=\(norms.count - 1)\n")
        }
    }

    /// What a trace of the recorded window shows; `parameters` are those its forward pass used.
    func traceInput(parameters: Parameters, recorder: BackwardRecorder?, report: StepReport?) -> TraceInput {
        let trainer = session.trainer!
        return TraceInput(config: trainer.config, vocabulary: trainer.vocabulary, cell: trainer.cell,
                          parameters: parameters, window: trainer.recordedWindow!, backward: recorder,
                          gradients: recorder == nil ? nil : trainer.gradients, report: report,
                          parametersAfter: report == nil ? nil : trainer.parameters, optimizer: trainer.optimizer)
    }

    /// A trace, laid out for each sink's style and width when it renders.
    func emitTrace(_ input: TraceInput, _ part: @escaping (TraceRenderer) -> String) {
        let precision = self.precision
        emit(.text { part(TraceRenderer(input: input, precision: precision, style: $0.style, pageWidth: $0.width)) })
    }

    mutating func train(steps: Int, sampleEvery: Int?, printEvery: Int?, sampleLength: Int,
                        command: Command) throws(Failure) -> CommandOutcome {
        do { try requireModel(command) } catch { throw Failure(diagnostic: error) }
        // Log lines: on a pipe every `print-every` steps (default: ten lines); on a terminal the
        // progress bar shows the rest, and lines come only when print-every= asks for them.
        let every = printEvery ?? max(1, steps / 10)
        let printsLines = !console.showsProgress || printEvery != nil
        let started = console.now()
        var done = 0
        var outcome = CommandOutcome.completed
        var failure: Diagnostic?
        var stoppedInSample = false
        let firstStep = session.trainer!.stepCount
        while done < steps {
            if console.takeInterrupt() {
                outcome = .interrupted
                break
            }
            let report: StepReport
            do {
                report = try session.trainer!.step()
            } catch {
                failure = Diagnostic(.model(error), at: command.range)
                break
            }
            done += 1
            let characters = Double(report.sequenceLength)
            if printsLines && (report.step % every == 0 || done == steps) {
                write("step " + leftPad(String(report.step), 6) + "  " + lossText(report.loss, characters: report.sequenceLength)
                    + "  smooth " + fixed(report.smoothLoss / characters) + " per char\n")
            }
            if console.showsProgress {
                console.progress(ProgressState(done: done, total: steps, elapsed: console.now() - started,
                                               loss: report.loss / characters, smoothLoss: report.smoothLoss / characters))
            }
            if let k = sampleEvery, done % k == 0 {
                if console.showsProgress { console.finishProgress() }
                let (text, complete) = drawSample(count: sampleLength, temperature: 1, primeIndices: nil, seed: nil)
                writeVerbatim("--- sample at step \(report.step) ---\n" + text + "\n---\n")
                if !complete {
                    stoppedInSample = true
                    outcome = .interrupted
                    break
                }
            }
        }
        let elapsed = console.now() - started
        if console.showsProgress { console.finishProgress() }
        let trainer = session.trainer!
        if outcome == .interrupted {
            write((stoppedInSample ? "interrupted during the sample: training stopped " : "interrupted ")
                + "after \(done) of \(steps) steps (step \(trainer.stepCount)); the model keeps what it learnt\n")
        } else if failure == nil {
            let last = trainer.lastReport!
            write("trained \(done) steps (\(firstStep + 1) to \(trainer.stepCount)): "
                + lossText(last.loss, characters: last.sequenceLength)
                + ", smooth " + fixed(last.smoothLoss / Double(last.sequenceLength)) + " per char\n")
        }
        if done > 0 {
            let characters = Double(done * trainer.config.sequenceLength)
            console.writeError("\(done) steps in " + NumberFormat.duration(elapsed) + ": "
                + NumberFormat.rate(Double(done) / elapsed) + " steps/s, "
                + NumberFormat.rate(characters / elapsed) + " characters/s\n")
        }
        if let failure { throw Failure(diagnostic: failure, keepsProgress: true) }
        return outcome
    }
}

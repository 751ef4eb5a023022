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
            let norms = session.trainer!.record.hiddenGradientNorms
            writeStyled("backward" + (lastOnly ? " (loss of the last step only)" : "")
                + ": dW_… filled, not clipped or applied; ‖g‖ = " + NumberFormat.general(norm, significant: 6) + "\n"
                + "  ‖∂L/∂h_t‖ from " + NumberFormat.general(norms.first ?? 0, significant: 4)
                + " at t=0 to " + NumberFormat.general(norms.last ?? 0, significant: 4) + " at t=\(norms.count - 1)\n")
        }
    }

    /// What a trace of the recorded window shows; `parameters` are those its forward pass used.
    func traceInput(parameters: Parameters, recorder: BackwardRecorder?, report: StepReport?) -> TraceInput {
        let trainer = session.trainer!
        let network = trainer.network
        return TraceInput(config: trainer.config, vocabulary: trainer.vocabulary, cell: network == nil ? trainer.cell : nil,
                          network: network, parameters: parameters, window: trainer.recordedWindow!, backward: recorder,
                          gradients: recorder == nil ? nil : trainer.gradients, report: report,
                          parametersAfter: report == nil ? nil : trainer.parameters, optimizer: trainer.optimizer)
    }

    /// A trace, laid out for each sink's style and width when it renders.
    func emitTrace(_ input: TraceInput, _ part: @escaping (TraceRenderer) -> String) {
        let precision = self.precision
        // Sentences of the trace wrap at spaces; its equations and vectors are laid out to fit.
        emit(.text { wrapLines(part(TraceRenderer(input: input, precision: precision, style: $0.style, pageWidth: $0.width)),
                               width: $0.width) })
    }

    mutating func train(_ options: TrainOptions, command: Command) throws(Failure) -> CommandOutcome {
        do {
            try requireModel(command)
            try checkTrainOptions(options, command: command)
        } catch {
            throw Failure(diagnostic: error)
        }
        var steps = 0, duration: Double?
        switch options.limit {
        case .steps(let count): steps = count
        case .duration(let seconds): duration = seconds
        }
        // Log lines: on a pipe every `print-every` steps (default: ten lines, or every 1000 steps
        // when training by the clock); on a terminal the progress bar shows the rest, and lines
        // come only when print-every= asks for them.
        let every = options.printEvery ?? (duration == nil ? max(1, steps / 10) : 1000)
        let printsLines = !console.showsProgress || options.printEvery != nil
        let started = console.now()
        var done = 0
        var outcome = CommandOutcome.completed
        var failure: Diagnostic?
        var stoppedInSample = false
        let firstStep = session.trainer!.stepCount
        var best = session.trainer!.bestValidation?.loss
        // Time spent evaluating (reported apart, on standard error: it varies from run to run).
        var evaluating = 0.0
        func evaluate() -> Result<String, EvaluationProblem> {
            let before = console.now()
            let result = evaluateDuringTraining(options, best: &best, command: command)
            let took = console.now() - before
            evaluating += took
            if case .success = result {
                console.writeError("evaluated at step \(session.trainer!.stepCount) after "
                    + NumberFormat.duration(before - started - (evaluating - took)) + " of training (this evaluation: "
                    + NumberFormat.duration(took) + ")\n")
            }
            return result
        }
        while duration != nil || done < steps {
            if console.takeInterrupt() {
                outcome = .interrupted
                break
            }
            let elapsed = console.now() - started
            if let duration, elapsed >= duration { break }
            let report: StepReport
            do {
                report = try session.trainer!.step()
            } catch {
                failure = Diagnostic(.model(error), at: command.range)
                break
            }
            done += 1
            let characters = Double(report.sequenceLength)
            var line = "step " + leftPad(String(report.step), 6) + "  " + lossText(report.loss, characters: report.sequenceLength)
                + "  smooth " + fixed(report.smoothLoss / characters) + " per char"
            var evaluated = false
            if let k = options.evalEvery, done % k == 0 {
                switch evaluate() {
                case .success(let note):
                    line += note
                    evaluated = true
                case .failure(let problem):
                    if case .interrupted = problem {
                        outcome = .interrupted
                    } else if case .diagnostic(let diagnostic) = problem {
                        failure = diagnostic
                    }
                }
                if outcome == .interrupted || failure != nil { break }
            }
            if (printsLines && (report.step % every == 0 || done == steps)) || evaluated {
                write(line + "\n")
            }
            if console.showsProgress {
                console.progress(ProgressState(done: done, total: steps, elapsed: console.now() - started,
                                               loss: report.loss / characters, smoothLoss: report.smoothLoss / characters,
                                               duration: duration, validationLoss: session.trainer!.validationHistory.last?.loss))
            }
            if let k = options.sampleEvery, done % k == 0 {
                if console.showsProgress { console.finishProgress() }
                let (text, complete) = drawSample(count: options.sampleLength, temperature: 1, primeIndices: nil, seed: nil)
                writeSample("--- sample at step \(report.step) ---\n", text + "\n---\n")
                if !complete {
                    stoppedInSample = true
                    outcome = .interrupted
                    break
                }
            }
        }
        // The final evaluation (unless the last step was just evaluated).
        if options.evalEvery != nil && failure == nil && outcome == .completed && done > 0
            && session.trainer!.validationHistory.last?.step != session.trainer!.stepCount {
            switch evaluate() {
            case .success(let note):
                let report = session.trainer!.lastReport!
                write("step " + leftPad(String(report.step), 6) + "  " + lossText(report.loss, characters: report.sequenceLength)
                    + note + "\n")
            case .failure(.interrupted): outcome = .interrupted
            case .failure(.diagnostic(let diagnostic)): failure = diagnostic
            }
        }
        let elapsed = console.now() - started
        if console.showsProgress { console.finishProgress() }
        let trainer = session.trainer!
        if outcome == .interrupted {
            write((stoppedInSample ? "interrupted during the sample: training stopped " : "interrupted ")
                + "after \(done)" + (duration == nil ? " of \(steps)" : "") + " steps (step \(trainer.stepCount)); "
                + "the model keeps what it learnt\n")
        } else if failure == nil, let last = trainer.lastReport, done > 0 {
            var summary = "trained \(done) steps (\(firstStep + 1) to \(trainer.stepCount))"
            if duration != nil { summary += " in " + NumberFormat.duration(elapsed) }
            summary += ": " + lossText(last.loss, characters: last.sequenceLength)
                + ", smooth " + fixed(last.smoothLoss / Double(last.sequenceLength)) + " per char"
            if let best = trainer.bestValidation, options.evalEvery != nil {
                summary += "; best validation loss " + fixed(best.loss) + " per char at step \(best.step)"
            }
            write(summary + "\n")
        } else if failure == nil {
            write("trained 0 steps: the time was up before the first step\n")
        }
        if done > 0 {
            let characters = Double(done * trainer.config.sequenceLength * trainer.config.batchSize)
            var speed = "\(done) steps in " + NumberFormat.duration(elapsed) + ": " + NumberFormat.rate(Double(done) / elapsed)
                + " steps/s, " + NumberFormat.rate(characters / elapsed) + " characters/s"
            if evaluating > 0 {
                let training = max(elapsed - evaluating, 1e-9)
                speed += "; evaluations took " + NumberFormat.duration(evaluating) + ", training alone "
                    + NumberFormat.rate(characters / training) + " characters/s"
            }
            console.writeError(speed + "\n")
        }
        if let failure { throw Failure(diagnostic: failure, keepsProgress: true) }
        return outcome
    }

    /// What can stop an evaluation during training.
    enum EvaluationProblem: Error {
        case interrupted
        case diagnostic(Diagnostic)
    }

    /// Evaluates on the held-out text, records it, and writes the checkpoints asked for;
    /// returns what the log line adds ("  val 1.6234 per char (best, saved to best.json)").
    mutating func evaluateDuringTraining(_ options: TrainOptions, best: inout Double?,
                                         command: Command) -> Result<String, EvaluationProblem> {
        guard let result = runEvaluation() else { return .failure(.interrupted) }
        let loss = result.lossPerCharacter
        var note = "  val " + fixed(loss) + " per char"
        if let path = options.checkpoint {
            do {
                guard let written = try writeCheckpoint(to: path) else { return .failure(.interrupted) }
                if written.otherLinks > 0 { write(brokenLinkNote(path.value, otherLinks: written.otherLinks)) }
            } catch {
                return .failure(.diagnostic(error))
            }
        }
        if best == nil || loss < best! {
            best = loss
            note += " (best"
            if let path = options.best {
                do {
                    guard let written = try writeCheckpoint(to: path) else { return .failure(.interrupted) }
                    if written.otherLinks > 0 { write(brokenLinkNote(path.value, otherLinks: written.otherLinks)) }
                } catch {
                    return .failure(.diagnostic(error))
                }
                note += ", saved to \(path.value)"
            }
            note += ")"
        }
        return .success(note)
    }

    /// Checks before training starts what would otherwise fail after ten minutes: a held-out
    /// text for eval-every=, and writable checkpoint=/best= paths.
    func checkTrainOptions(_ options: TrainOptions, command: Command) throws(Diagnostic) {
        if options.evalEvery != nil || options.best != nil || options.checkpoint != nil,
           session.corpus?.validationRange == nil {
            throw Diagnostic(.notYet(.heldOutText(name: "train … eval-every=")), at: command.range)
        }
        if options.evalEvery == nil, let option = options.best ?? options.checkpoint {
            throw Diagnostic(.optionNeedsAnother(option: option.value == options.best?.value ? "best" : "checkpoint",
                                                 needs: "eval-every"), at: option.range)
        }
        for path in [options.checkpoint, options.best].compactMap({ $0 }) {
            if let problem = writabilityProblem(resolvePath(path.value)) {
                throw Diagnostic(.checkpointWrite(path: path.value, reason: problem.reason), at: path.range)
            }
        }
    }
}

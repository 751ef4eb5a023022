// The bare training loop, without the REPL: Trainer.step() in a loop. bench/run.sh compares
// its speed with `train` in rnnrepl (the REPL's bookkeeping should cost under 3%).
//
// usage: rnncore-bench CORPUS STEPS [HIDDEN] [SEQ]
//        (lr 0.1, W_hh randn·0.01, seed 1, Adagrad, clip 5: the benchmark's setup)
import RNNCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let steps = Int(arguments[2]) else {
    print("usage: rnncore-bench CORPUS STEPS [HIDDEN] [SEQ]")
    exit(64)
}
var config = TrainingConfig()
config.hiddenSize = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
config.sequenceLength = arguments.count > 4 ? Int(arguments[4]) ?? 25 : 25
config.learningRate = 0.1
config.initialization = Initialization(weightScale: 0.01, recurrent: .random, recurrentScale: 0.01)
config.seed = 1

do {
    let corpus = try Corpus.load(path: arguments[1])
    var trainer = try Trainer(corpus: corpus, config: config)
    let first = try trainer.step().loss
    let start = now()
    for _ in 1 ..< steps { try trainer.step() }
    let elapsed = now() - start
    let rate = Double(steps - 1) / elapsed
    print("first-loss \(first)")
    print("smooth-loss \(trainer.smoothLoss)")
    print("steps/s \(rate)")
    print("chars/s \(rate * Double(config.sequenceLength))")
} catch {
    print("rnncore-bench: \(error)")
    exit(70)
}

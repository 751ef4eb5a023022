// Checkpoint speed, size and memory: `save` and `restore` of one model in both forms,
// safetensors and JSON, as the commands do them (through RNNLanguage's Runner, as the REPL runs
// them), timed with a monotonic clock.
//
// usage: checkpoint-bench [CORPUS] [--hidden 512] [--layers 2] [--cell lstm] [--runs 5] [--folder DIR]
//                         [--forms safetensors,json]
//        (defaults: ../shared/data/tinyshakespeare.txt, the 2-layer LSTM with H = 512, Adam)
//
// For each form it prints the median time of `runs` saves and of `runs` restores (each restore
// into a fresh session), the file's size against the raw bytes of its numbers, and a restore's
// memory, measured in a process of its own that does nothing else (so that no memory freed
// before is reused): its peak (the peak resident memory, VmHWM, less the resident memory before
// the restore), what the restored session keeps (resident memory after less before; it includes
// the text, a few MB), and the difference: what restoring takes beyond the session it makes. It checks that every restore gives back the same parameters, optimizer
// state, carried state and loss history, bit for bit.
import RNNCore
import RNNLanguage
import RNNRendering

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

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM").
func status(_ field: String) -> Double {
    guard let bytes = try? readWholeFile("/proc/self/status", limit: 1 << 20, allowFIFO: false) else { return .nan }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field + ":") {
        if let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) { return kilobytes * 1024 }
    }
    return .nan
}

func fail(_ message: String) -> Never {
    print("checkpoint-bench: \(message)")
    exit(1)
}

@discardableResult
func run(_ source: String, _ session: inout Session) -> String {
    let console = CapturingConsole()
    let outcome = Runner.run(source, fileName: nil, session: &session, console: console)
    guard outcome == .completed else { fail("'\(source)' failed: \(console.errors)") }
    return console.output
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : -1
}

func megabytes(_ bytes: Double) -> String { NumberFormat.fixed(bytes / 1e6, decimals: 1) }

/// In a process of its own (so that no memory freed before is reused): the resident memory
/// before `restore PATH`, at its peak and after it, in bytes.
func measureRestore(_ path: String) -> (before: Double, peak: Double, after: Double) {
    var link = [UInt8](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &link, link.count - 1)
    guard length > 0 else { fail("cannot find this program's path") }
    let program = String(decoding: link[0 ..< length], as: UTF8.self)
    guard let pipe = popen("'\(program)' --restore-memory '\(path)'", "r") else { fail("cannot start a measuring process") }
    var line = [UInt8](repeating: 0, count: 256)
    let text = line.withUnsafeMutableBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { fgets($0.baseAddress, Int32($0.count), pipe) } == nil
            ? "" : String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
    guard pclose(pipe) == 0 else { fail("the measuring process failed: \(text)") }
    let numbers = text.split(separator: " ").compactMap { Double($0.trimmingSuffix()) }
    guard numbers.count == 3 else { fail("the measuring process printed '\(text)'") }
    return (numbers[0], numbers[1], numbers[2])
}

extension Substring {
    func trimmingSuffix() -> Substring { self.hasSuffix("\n") ? self.dropLast() : self }
}

if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "--restore-memory" {
    var session = Session()
    let before = status("VmRSS")
    run("restore \(CommandLine.arguments[2])", &session)
    print(before, status("VmHWM"), status("VmRSS"))
    exit(0)
}

// MARK: - Arguments

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    let value = arguments[index + 1]
    arguments.removeSubrange(index ... index + 1)
    return value
}
let hidden = Int(option("--hidden", "512")) ?? 512
let layers = Int(option("--layers", "2")) ?? 2
let cell = option("--cell", "lstm")
let runs = max(1, Int(option("--runs", "5")) ?? 5)
let folder = option("--folder", "/tmp")
let forms = option("--forms", "safetensors,json").split(separator: ",").map(String.init)
let corpus = arguments.first ?? "../shared/data/tinyshakespeare.txt"

// MARK: - The model

var original = Session()
let setup = "load \(corpus)\ninit cell=\(cell) layers=\(layers) hidden=\(hidden) optimizer=adam seq=25\nstep 2"
print("model: " + setup.split(separator: "\n").joined(separator: "; "))
run(setup, &original)
let trainer = original.trainer!
let layout = trainer.parameters.layout
// The numbers a checkpoint holds: parameters, gradients, Adam's two moments, h (and c), the losses.
let numbers = 4 * layout.count + trainer.hiddenState.count + trainer.lossHistory.count
let rawBytes = Double(8 * numbers)
print("\(layout.count) parameters; raw bytes of every number the checkpoint holds (parameters, gradients, Adam's m and v, "
    + "h and c, \(trainer.lossHistory.count) losses) at 8 bytes each: \(megabytes(rawBytes)) MB")
print("")
print("| form | save (median of \(runs)) | restore (median of \(runs)) | file | vs raw bytes | restore's peak memory "
    + "| kept by the session | extra: peak − kept (× file) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

for (form, name) in [("safetensors", "bench-checkpoint.safetensors"), ("JSON", "bench-checkpoint.json")]
    where forms.contains(form.lowercased()) {
    let path = folder + "/" + name
    var saveTimes: [Double] = []
    for _ in 0 ..< runs {
        let start = now()
        run("save \(path)", &original)
        saveTimes.append(now() - start)
    }
    let size = Double(fileSize(path))
    var restoreTimes: [Double] = [], peaks: [Double] = [], kept: [Double] = []
    for _ in 0 ..< runs {
        let memory = measureRestore(path)
        peaks.append(memory.peak - memory.before)
        kept.append(memory.after - memory.before)
        var session = Session()
        let start = now()
        run("restore \(path)", &session)
        restoreTimes.append(now() - start)
        let restored = session.trainer!
        guard restored.parameters == trainer.parameters && restored.gradients == trainer.gradients
                && restored.optimizer == trainer.optimizer && restored.hiddenState == trainer.hiddenState
                && restored.lossHistory == trainer.lossHistory else { fail("\(form): the restored session differs") }
    }
    let peak = median(peaks), extra = median(zip(peaks, kept).map { $0 - $1 })
    let excess = (size / rawBytes - 1) * 100
    print("| \(form) | \(NumberFormat.fixed(median(saveTimes), decimals: 3)) s | \(NumberFormat.fixed(median(restoreTimes), decimals: 3)) s "
        + "| \(megabytes(size)) MB | \(excess >= 0 ? "+" : "")\(NumberFormat.fixed(excess, decimals: 2))% | \(megabytes(peak)) MB "
        + "| \(megabytes(median(kept))) MB | \(megabytes(extra)) MB (\(NumberFormat.fixed(extra / size, decimals: 2))x) |")
    print("|   | \(Int(size)) bytes, \(Int(size) - Int(rawBytes)) beyond the raw bytes | | | | | | |")
    unlink(path)
}

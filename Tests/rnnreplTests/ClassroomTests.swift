import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10: Ctrl-C at the wrong moment, on a real pseudo-terminal (Ctrl-C is byte 3 there and
/// reaches the program as SIGINT, as from a person at the keyboard).
@Suite(.serialized) struct InterruptTests {
    @Test func ctrlCAtAPauseStopsTheScriptWith130() throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("lesson.rnn", "echo before\npause\necho after\n")
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path)
        #expect(session.waitFor("[press Enter to continue]"), "\(session.transcript)")
        session.send("\u{3}")
        #expect(session.exitStatus(timeout: 30) == 130, "\(session.transcript)")
        #expect(session.transcript.contains("interrupted at a pause\r\nthe commands after it do not run"))
        #expect(!session.transcript.contains("after\r"))
    }

    @Test func ctrlCAtAPauseWithDashIGoesBackToThePromptWithTheSession() throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("lesson.rnn", "load builtin hello\ninit hidden=3 seq=4\npause\necho after\n")
        let session = try PseudoTerminalSession(arguments: [script, "-i"], home: folder.path)
        #expect(session.waitFor("[press Enter to continue]"), "\(session.transcript)")
        session.send("\u{3}")
        #expect(session.waitFor("rnn> "), "\(session.transcript)")
        var mark = session.mark
        session.send("expect params > 0\r")
        #expect(session.waitFor("check: params", since: mark), "the model is still there: \(session.transcript)")
        // A pause typed at the prompt is interrupted the same way.
        mark = session.mark
        session.send("pause\r")
        #expect(session.waitFor("[press Enter", since: mark))
        session.send("\u{3}")
        #expect(session.waitFor("interrupted at a pause", since: mark), "\(session.transcript)")
        // The prompt after the message, not one drawn before it.
        #expect(session.waitFor("rnn> ", since: session.offset(after: "interrupted at a pause")), "\(session.transcript)")
        session.send("quit\r")
        #expect(session.exitStatus() == 0, "\(session.transcript)")
        #expect(!session.transcript.contains("after\r"))
    }

    @Test func ctrlCInterruptsALoadWaitingOnAFIFO() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path + "/pipe.txt"
        #expect(mkfifo(fifo, 0o600) == 0)
        let script = try folder.write("load.rnn", "echo waiting\nload pipe.txt\necho never\n")
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path)
        #expect(session.waitFor("waiting"))
        Thread.sleep(forTimeInterval: 0.5)  // open() now waits for a writer
        session.send("\u{3}")
        #expect(session.exitStatus(timeout: 30) == 130, "\(session.transcript)")
        #expect(session.transcript.contains("interrupted: nothing was loaded"))
    }

    @Test func ctrlCInterruptsABigInit() throws {
        let folder = try TemporaryFolder()
        // An orthogonal W_hh of 2500×2500 takes tens of seconds (O(H³)).
        let script = try folder.write("init.rnn", "load builtin story\necho drawing\ninit hidden=2500 whh=orthogonal\necho never\n")
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path)
        #expect(session.waitFor("drawing"))
        Thread.sleep(forTimeInterval: 1)
        session.send("\u{3}")
        #expect(session.exitStatus(timeout: 30) == 130, "\(session.transcript)")
        #expect(session.transcript.contains("interrupted: no model was made"))
    }

    @Test func ctrlCDuringASampleInsideTrainStopsTrainingToo() throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("train.rnn", """
            load builtin story
            init hidden=256 seq=8
            train 1000000 sample-every=5 sample-length=1000000
            echo never

            """)
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path)
        #expect(session.waitFor("steps/s"), "\(session.transcript)")
        Thread.sleep(forTimeInterval: 0.5)  // inside the million-character sample now (seconds at H = 256)
        session.send("\u{3}")
        #expect(session.exitStatus(timeout: 30) == 130, "\(session.transcript)")
        #expect(session.transcript.contains("interrupted during the sample: training stopped after 5 of 1000000 steps"))
    }

    @Test func ctrlCDuringASaveLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        // About 200 MB of JSON: seconds to write.
        let script = try folder.write("save.rnn", """
            load builtin story
            init cell=lstm hidden=900 optimizer=adam
            echo saving
            save big.json
            echo never

            """)
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path)
        #expect(session.waitFor("saving", timeout: 60), "\(session.transcript)")
        Thread.sleep(forTimeInterval: 0.3)
        session.send("\u{3}")
        #expect(session.exitStatus(timeout: 60) == 130, "\(session.transcript)")
        #expect(session.transcript.contains("interrupted: nothing was saved"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["save.rnn"])
    }

    @Test func progressBarFitsEightyColumnsAndPrintEveryLinesShowAboveIt() throws {
        let folder = try TemporaryFolder()
        let session = try PseudoTerminalSession(home: folder.path, columns: 80)
        #expect(session.waitFor("rnn> "))
        session.send("load builtin story\r")
        session.send("init hidden=16 seq=8 lr=0.1\r")
        session.send("train 30000 print-every=10000\r")
        #expect(session.waitFor("trained 30000 steps", timeout: 120), "\(session.transcript)")
        // Every redraw of the bar is one line of at most 80 columns (no wrapping, no stacking).
        let lines = session.visibleLines
        let bars = lines.filter { $0.contains("steps/s") }
        #expect(!bars.isEmpty)
        #expect(bars.allSatisfy { $0.count <= 77 }, "\(bars.filter { $0.count > 77 })")
        // print-every= lines appear on a terminal too.
        #expect(lines.contains { $0.hasPrefix("step  10000  loss") }, "\(lines.suffix(20))")
        #expect(lines.contains { $0.hasPrefix("step  30000  loss") })
        session.send("quit\r")
        #expect(session.exitStatus() == 0)
    }

    /// The bar's last frame was left on the screen above the summary and a sample; it is
    /// cleared. Every frame leaves three columns free, so an echoed "^C" cannot wrap it.
    @Test func theBarIsClearedWhenTrainingEndsAndLeavesRoomForAnEchoedCtrlC() throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("train.rnn", "load builtin story\ninit hidden=16 seq=8 lr=0.1\ntrain 30000\nsample 30 seed=1\n")
        let session = try PseudoTerminalSession(arguments: [script], home: folder.path, columns: 60)
        #expect(session.exitStatus(timeout: 120) == 0, "\(session.transcript)")
        let frames = session.visibleLines.filter { $0.contains("%|") }
        #expect(!frames.isEmpty, "\(session.transcript)")
        #expect(frames.allSatisfy { $0.count <= 57 }, "\(frames.filter { $0.count > 57 })")
        let screen = session.screen
        #expect(!screen.contains { $0.contains("%|") }, "a stale bar: \(screen)")
        #expect(screen.contains { $0.hasPrefix("trained 30000 steps") }, "\(screen)")
    }

    @Test func outputFollowsTheTerminalWidthAndItsResizes() throws {
        let folder = try TemporaryFolder()
        let session = try PseudoTerminalSession(home: folder.path, columns: 80)
        #expect(session.waitFor("rnn> "))
        let words = Array(repeating: "word", count: 40).joined(separator: " ")  // 199 characters
        var mark = session.mark
        session.send("echo \"\(words)\"\r")
        #expect(session.waitFor("rnn> ", since: mark + 200))
        var printed = session.visibleLines.filter { $0.hasPrefix("word") }
        #expect(printed.count == 3 && printed.allSatisfy { $0.count <= 80 && $0.hasSuffix("word") }, "\(printed)")
        session.resize(columns: 50)
        mark = session.mark
        session.send("echo \"\(words)\"\r")
        #expect(session.waitFor("rnn> ", since: mark + 200))
        printed = session.visibleLines.filter { $0.hasPrefix("word") }
        #expect(printed.count == 3 + 4 && printed.suffix(4).allSatisfy { $0.count <= 50 }, "\(printed)")
        session.send("quit\r")
        #expect(session.exitStatus() == 0)
    }

    @Test(arguments: [("NO_COLOR=1", [String](), true), ("TERM=xterm-256color", ["--ascii"], false),
                      ("TERM=xterm-256color", ["--no-color"], true)])
    func noColorKeepsUnicodeAndAsciiIsPlain(setting: String, flags: [String], unicode: Bool) throws {
        let folder = try TemporaryFolder()
        let session = try PseudoTerminalSession(arguments: flags + ["-e", "load builtin hello; init hidden=3 seq=4"],
                                                home: folder.path, environment: [setting])
        #expect(session.exitStatus() == 0)
        #expect(!session.transcript.contains("\u{1B}["), "no colour: \(session.transcript)")
        #expect(session.transcript.contains("W_hh 3×3") == unicode, "\(session.transcript)")
        #expect(session.transcript.contains("W_hh 3x3") == !unicode)
    }
}

/// Issue 10: reads that never end, sizes that cannot fit, saves that must not replace what
/// they should not.
@Suite struct ResourceTests {
    @Test func endlessInputsEndWithAMessage() throws {
        for path in ["/dev/zero", "/dev/urandom"] {
            let result = try runRNNRepl([path])
            #expect(result.status == 64)
            #expect(result.errors == "rnnrepl: cannot read script '\(path)': it is a character device, not a file\n")
        }
        // A FIFO fed from /dev/zero: the limit stops it.
        let folder = try TemporaryFolder()
        let fifo = folder.path + "/zero.txt"
        #expect(mkfifo(fifo, 0o600) == 0)
        let feeder = Process()
        feeder.executableURL = URL(fileURLWithPath: "/bin/sh")
        feeder.arguments = ["-c", "cat /dev/zero > '\(fifo)' 2>/dev/null"]
        try feeder.run()
        defer { feeder.terminate() }
        let result = try runRNNRepl(["-e", "load \(fifo)"])
        #expect(result.status == 70)
        #expect(result.errors.contains("cannot read '\(fifo)': it is larger than 1 GiB, the most rnnrepl reads here (is it the file you meant?)"), "\(result.errors)")
    }

    @Test func anEndlessLineOnAPipeEndsWithAMessage() throws {
        let (status, text) = try runShell("'\(rnnreplPath)' < /dev/zero")
        #expect(status == 65)
        #expect(text == "rnnrepl: <stdin>:1: the line is longer than 1 MiB, the most rnnrepl reads as one line\n")
    }

    @Test func aModelTooLargeForTheAddressSpaceLimitIsRefusedBeforeAllocating() throws {
        // Under a 6 GB limit the program used to abort while allocating 12.5 GB.
        let (status, text) = try runShell("ulimit -v 6000000; exec '\(rnnreplPath)' -e 'load builtin story; init hidden=20000'")
        #expect(status == 70, "\(text)")
        #expect(text.hasPrefix("-e:1:26: error: this model needs about 18.0 GB of memory"), "\(text)")
        #expect(text.contains("nothing was allocated; choose a smaller hidden size"))
    }

    /// Runs `commands` under `ulimit -v kilobytes` in `folder`; the exit status and stderr.
    func runLimited(_ kilobytes: Int, _ commands: String, in folder: String) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(kilobytes); exec '\(rnnreplPath)' -e '\(commands)'"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = joiningWrappedErrorLines(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        process.waitUntilExit()
        return (process.terminationStatus, text, errorText)
    }

    /// A model that took between a third and a half of the memory could not be saved: the
    /// check before saving re-ran init's memory check, with the model itself now in memory.
    @Test func aModelThatFitsCanBeSavedUnderATightLimit() throws {
        let folder = try TemporaryFolder()
        // 33 MB of weights under 115 MB of address space: init allows it, and saving writes the
        // text as it goes, so it needs little more.
        let saved = try runLimited(115_000, "load builtin story; init hidden=800; step; save run.json", in: folder.path)
        #expect(saved.status == 0, "\(saved.errors)")
        #expect(saved.output.contains("saved step 1 to run.json"), "\(saved.output)")
        let restored = try runRNNRepl(["-e", "restore run.json"], directory: folder.path)
        #expect(restored.output.contains("restored at step 1: rnn, V=27 H=800"), "\(restored.errors)")
    }

    /// A 7 GB checkpoint under a 4 GB limit crashed while being read: its size is checked
    /// against the memory available before a byte is read.
    @Test func aCheckpointTooBigForMemoryIsRefusedBeforeReading() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/huge.json"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 7 << 30) == 0)  // sparse: no disk used
        let result = try runLimited(4_000_000, "restore huge.json", in: folder.path)
        #expect(result.status == 70, "\(result.errors)")
        #expect(result.errors.hasPrefix("-e:1:9: error: cannot read the checkpoint 'huge.json': it is 7.0 GB, and reading it "
            + "takes about 10.5 GB of memory, more than the "), "\(result.errors)")
        #expect(result.errors.contains(" available: nothing was read\n"), "\(result.errors)")
    }

    /// The same in safetensors, which also saves under the tight limit: the checks run on the
    /// session's own arrays and each is written as it is, nothing copied.
    @Test func aSafetensorsCheckpointSavesUnderATightLimitAndRestores() throws {
        let folder = try TemporaryFolder()
        let saved = try runLimited(115_000, "load builtin story; init hidden=800; step; save run.safetensors", in: folder.path)
        #expect(saved.status == 0, "\(saved.errors)")
        #expect(saved.output.contains("saved step 1 to run.safetensors (safetensors, 15.7 MB)"), "\(saved.output)")
        let restored = try runLimited(115_000, "restore run.safetensors", in: folder.path)
        #expect(restored.output.contains("restored at step 1: rnn, V=27 H=800"), "\(restored.errors)")
    }

    /// A safetensors checkpoint whose header promises 7 GB of values, under a 4 GB limit: the
    /// header is read (its length checked against the file first), the memory the values would
    /// take is checked against what is available, and nothing more is read.
    @Test func aSafetensorsCheckpointTooBigForMemoryIsRefusedBeforeItsTensorsAreRead() throws {
        let folder = try TemporaryFolder()
        let small = try runRNNRepl(["-e", "load builtin story; init hidden=4 seq=5; step; save small.safetensors"], directory: folder.path)
        #expect(small.status == 0, "\(small.errors)")
        // The loss history made 7 GB long: the tensors after it move to the end; the file is sparse.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/small.safetensors")))
        let length = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        var header = try JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + length])) as! [String: Any]
        let data = Array(bytes[(8 + length)...])
        let names = header.keys.filter { $0 != "__metadata__" }.sorted {
            ((header[$0] as! [String: Any])["data_offsets"] as! [Int])[0] < ((header[$1] as! [String: Any])["data_offsets"] as! [Int])[0]
        }
        let count = 7 << 27  // values: 7 GB of float64
        var pieces: [(offset: Int, bytes: ArraySlice<UInt8>)] = []
        var offset = 0
        for name in names {
            var entry = header[name] as! [String: Any]
            let old = entry["data_offsets"] as! [Int]
            let size = name == "loss_history" ? 8 * count : old[1] - old[0]
            if name == "loss_history" { entry["shape"] = [count] } else { pieces.append((offset, data[old[0] ..< old[1]])) }
            entry["data_offsets"] = [offset, offset + size]
            header[name] = entry
            offset += size
        }
        let text = try JSONSerialization.data(withJSONObject: header)
        let path = folder.path + "/huge.safetensors"
        #expect(FileManager.default.createFile(atPath: path, contents: Data((0 ..< 8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }) + text))
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for piece in pieces {
            try file.seek(toOffset: UInt64(8 + text.count + piece.offset))
            try file.write(contentsOf: Data(piece.bytes))
        }
        try file.truncate(atOffset: UInt64(8 + text.count + offset))
        try file.close()

        let result = try runLimited(4_000_000, "restore huge.safetensors", in: folder.path)
        #expect(result.status == 70, "\(result.errors)")
        #expect(result.errors.hasPrefix("-e:1:9: error: 'huge.safetensors' (7.0 GB) cannot be restored here: reading its tensors "
            + "takes about 7.0 GB of memory, more than the "), "\(result.errors)")
        #expect(result.errors.contains(" available; nothing was changed\n"), "\(result.errors)")
    }

    @Test(.timeLimit(.minutes(5)))
    func aLongPipeAndManyErrorsTakeLinearTime() throws {
        // Quadratic work made 40,000 comment lines take two minutes and 20,000 errors one; at
        // these sizes quadratic would run for hours (linear: about a second each), so finishing
        // within a limit no loaded machine comes near is the test.
        let comments = String(repeating: "# a comment\n", count: 200_000) + "echo done\n"
        let piped = try runRNNRepl([], input: comments)
        #expect(piped.status == 0 && piped.output == "done\n")
        let folder = try TemporaryFolder()
        let script = try folder.write("bad.rnn", String(repeating: "frob\n", count: 100_000))
        let errors = try runRNNRepl([script])
        #expect(errors.status == 65)
        #expect(errors.errors.hasSuffix("\(script):100000:1: error: unknown command 'frob' (type 'help' for the list)\n 100000 | frob\n        | ^~~~\n"))
    }
}

/// Issue 10: a signal during `save` leaves no temporary file behind (the handlers remove it).
@Suite(.serialized) struct SaveSignalTests {
    /// Starts a big save, waits until its temporary file exists, then sends `signals`.
    func interruptSave(with signals: [Int32]) throws -> (status: Int32, reason: Process.TerminationReason, left: [String]) {
        let folder = try TemporaryFolder()
        let script = try folder.write("save.rnn", "load builtin story\ninit cell=lstm hidden=900 optimizer=adam\nsave big.json\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rnnreplPath)
        process.arguments = [script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var seen = false
        while Date() < deadline && process.isRunning && !seen {
            seen = (try FileManager.default.contentsOfDirectory(atPath: folder.path)).contains { $0.hasPrefix(".rnnrepl-save-") }
            if !seen { usleep(2000) }
        }
        #expect(seen, "the save's temporary file was never seen")
        for signal in signals {
            kill(process.processIdentifier, signal)
            usleep(20000)
        }
        process.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "save.rnn" }
        return (process.terminationStatus, process.terminationReason, left)
    }

    @Test(arguments: [SIGTERM, SIGHUP])
    func aTerminatingSignalRemovesTheTemporaryFile(signal: Int32) throws {
        let (status, reason, left) = try interruptSave(with: [signal])
        #expect(reason == .uncaughtSignal && status == signal, "ends as the signal would: \(reason) \(status)")
        #expect(left.isEmpty, "\(left)")
    }

    @Test func twoCtrlCsRemoveTheTemporaryFile() throws {
        let (status, _, left) = try interruptSave(with: [SIGINT, SIGINT])
        #expect(status == 130)
        #expect(left.isEmpty, "\(left)")
    }
}

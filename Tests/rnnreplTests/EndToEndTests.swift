import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct EndToEndTests {
    static let script = """
    # a tiny session
    load builtin hello
    init hidden=3 seq=4 lr=0.1 seed=5
    step 2
    expect step ≈ 2
    sample 20 seed=3

    """

    @Test func aScriptRunsAndPrintsTheSameBytesEveryTime() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("tiny.rnn", Self.script)
        let first = try runRNNRepl([path])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("loaded builtin hello: 12 characters"))
        #expect(first.output.contains("step      2  loss "))
        #expect(!first.output.contains("\u{1B}["), "no colour when not a terminal")
        let second = try runRNNRepl([path])
        #expect(second.output == first.output)
    }

    @Test func aSyntaxErrorExitsWith65AndRunsNothing() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.rnn", "load builtin hello\ninit hiden=3\n")
        let result = try runRNNRepl([path])
        #expect(result.status == 65)
        #expect(result.output.isEmpty)
        #expect(result.errors == """
        \(path):2:6: error: 'init' has no option 'hiden'; did you mean 'hidden'?
         2 | init hiden=3
           |      ^~~~~

        """)
    }

    @Test func aRuntimeErrorExitsWith70AfterWhatRan() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("fails.rnn", "echo before\nload missing.txt\necho after\n")
        let result = try runRNNRepl([path])
        #expect(result.status == 70)
        #expect(result.output == "before\n")
        #expect(result.errors.hasPrefix("\(path):2:6: error: cannot read '\(folder.path)/missing.txt': no such file"))
    }

    @Test func usageErrorsExitWith64() throws {
        #expect(try runRNNRepl(["--bogus"]).status == 64)
        #expect(try runRNNRepl(["--update"]).status == 64)
        let missing = try runRNNRepl(["/no/such/script.rnn"])
        #expect(missing.status == 64)
        #expect(missing.errors.contains("cannot read script '/no/such/script.rnn'"))
    }

    @Test func commandsFromDashE() throws {
        let result = try runRNNRepl(["--show-checks", "-e", "load builtin hello; init hidden=2 seq=3", "-e", "expect vocab-size ≈ 9; echo done"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasSuffix("check: vocab-size = 9 ~ 9 (tol 1e-06)  OK\ndone\n"))
        let quiet = try runRNNRepl(["-e", "load builtin hello; expect vocab-size ≈ 9; echo done"])
        #expect(quiet.output.hasSuffix("8 'w'\ndone\n"), "a passing check is silent: \(quiet.output)")
        let failing = try runRNNRepl(["-e", "show W_hh"])
        #expect(failing.status == 70)
        #expect(failing.errors.hasPrefix("-e:1:6: error: 'show' needs a text"))
    }

    @Test func commandsFromAPipeHaveNoPrompt() throws {
        let result = try runRNNRepl([], input: "load builtin hello\ninit hidden=2 seq=3\nsample 5 seed=1\n")
        #expect(result.status == 0)
        #expect(!result.output.contains("rnn>"))
        #expect(result.output.contains("--- sample: 5 characters"))
        let bad = try runRNNRepl([], input: "step\n")
        #expect(bad.status == 70)
        #expect(bad.errors.hasPrefix("<stdin>:1:1: error:"))
    }

    @Test func scriptsThenInteractiveKeepTheSession() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("setup.rnn", "load builtin hello\ninit hidden=2 seq=3\n")
        let result = try runRNNRepl([path, "-i"], input: "expect vocab-size ≈ 9\necho still here\n")
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasSuffix("still here\n"))
    }

    @Test func versionAndHelp() throws {
        let version = try runRNNRepl(["--version"])
        #expect(version.status == 0 && version.output.hasPrefix("0."))
        let help = try runRNNRepl(["--help"])
        #expect(help.output.contains("64 usage"))
        #expect(help.output.contains("1 a golden"))
        #expect(help.output.contains("--no-color"))
    }

    @Test func interruptingAScriptExitsWith130AndKeepsTheLog() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("long.rnn", "load builtin rhyme\ninit hidden=16 seq=10\ntrain 100000000 print-every=100\necho never\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rnnreplPath)
        process.arguments = [path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = Pipe()
        try process.run()
        // Wait until training is under way, then press Ctrl-C.
        var output = Data()
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: output, as: UTF8.self).contains("step    100 ") && Date() < deadline {
            output += stdout.fileHandleForReading.availableData
        }
        kill(process.processIdentifier, SIGINT)
        // Should it not stop, make sure the test still ends.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { kill(pid, SIGKILL) }
        output += stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        #expect(process.terminationStatus == 130)
        #expect(text.contains("interrupted after "))
        #expect(!text.contains("never"))
    }
}

@Suite(.serialized) struct PseudoTerminalTests {
    @Test func completionCtrlCAndColourAtARealPrompt() throws {
        let home = try TemporaryFolder()
        let session = try PseudoTerminalSession(home: home.path)
        #expect(session.waitFor("rnn> "), "no prompt: \(session.transcript)")

        // Tab completes a command name.
        var mark = session.mark
        session.send("hel\t")
        #expect(session.waitFor("help", since: mark), "no completion: \(session.transcript)")
        session.send("\r")
        #expect(session.waitFor("Commands (help COMMAND", since: mark))

        // Option keys complete with their '=' and values after it.
        mark = session.mark
        session.send("load builtin rhyme\r")
        #expect(session.waitFor("vocabulary: 24 characters", since: mark))
        mark = session.mark
        session.send("init whh=orth\t")
        #expect(session.waitFor("orthogonal", since: mark))
        session.send(" hidden=8 seq=6\r")
        #expect(session.waitFor("W_hh 8×8 orthogonal⋅0.01", since: mark), "Unicode on a terminal: \(session.transcript)")

        // Ctrl-C at the prompt clears the line.
        mark = session.mark
        session.send("garbage that is never run")
        #expect(session.waitFor("never run", since: mark))
        // The terminal discards unread input on Ctrl-C, so type on only after the fresh prompt.
        let typed = session.mark
        session.send("\u{3}")
        #expect(session.waitFor("rnn> ", since: typed), "no fresh prompt after Ctrl-C: \(session.transcript)")
        session.send("echo fine\r")
        #expect(session.waitFor("fine\r\n", since: mark))
        #expect(!session.transcript.contains("unknown command 'garbage'"))

        // Ctrl-C during training stops between steps and returns to the prompt.
        mark = session.mark
        session.send("train 100000000\r")
        #expect(session.waitFor("steps/s", since: mark), "no progress bar: \(session.transcript)")
        session.send("\u{3}")
        #expect(session.waitFor("interrupted after", since: mark))
        mark = session.mark
        session.send("expect step > 0\r")
        #expect(session.waitFor("check: step", since: mark))

        // Enter on an empty line repeats the last step.
        mark = session.mark
        session.send("step\r")
        #expect(session.waitFor("smooth", since: mark))
        mark = session.mark
        session.send("\r")
        #expect(session.waitFor("smooth", since: mark))

        session.send("quit\r")
        #expect(session.exitStatus() == 0)
        // History was saved.
        let history = try String(contentsOfFile: home.path + "/.rnnrepl_history", encoding: .utf8)
        #expect(history.contains("load builtin rhyme"))
    }
}

@Suite struct GoldenCheckTests {
    /// A copy of lesson 1 with its data and golden transcript in a fresh folder.
    func lessonCopy() throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder()
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: folder.path + "/expected", withIntermediateDirectories: true)
        try fileManager.copyItem(atPath: repositoryRoot + "/lessons/data", toPath: folder.path + "/data")
        try fileManager.copyItem(atPath: repositoryRoot + "/lessons/01-characters.rnn", toPath: folder.path + "/01-characters.rnn")
        try fileManager.copyItem(atPath: repositoryRoot + "/lessons/expected/01-characters.txt",
                                 toPath: folder.path + "/expected/01-characters.txt")
        return (folder, folder.path + "/01-characters.rnn")
    }

    @Test func checkPassesAndFailsWhenANumberChanges() throws {
        let (folder, lesson) = try lessonCopy()
        let passing = try runRNNRepl(["--check", lesson])
        #expect(passing.status == 0, "\(passing.output)\(passing.errors)")
        #expect(passing.output == "ok      \(lesson)\n")

        // Change one printed number in the golden transcript: the check must fail with a diff.
        let expectedPath = folder.path + "/expected/01-characters.txt"
        let golden = try String(contentsOfFile: expectedPath, encoding: .utf8)
        try golden.replacingOccurrences(of: "-0.0132   0.0070  -0.0050", with: "-0.0132   0.0071  -0.0050")
            .write(toFile: expectedPath, atomically: true, encoding: .utf8)
        let failing = try runRNNRepl(["--check", lesson])
        #expect(failing.status == 1)
        #expect(failing.output.contains("DIFFERS \(lesson)"))
        #expect(failing.output.contains("-'h'   -0.0132   0.0071  -0.0050"))
        #expect(failing.output.contains("+'h'   -0.0132   0.0070  -0.0050"))

        // --update rewrites it, and the check passes again.
        #expect(try runRNNRepl(["--check", "--update", lesson]).status == 0)
        #expect(try String(contentsOfFile: expectedPath, encoding: .utf8) == golden)
        #expect(try runRNNRepl(["--check", lesson]).status == 0)
    }

    /// --update wrote transcripts with fopen(…, "w"), in place: a crash or Ctrl-C could leave
    /// half a transcript, and a read-only one was overwritten (as root). It now writes as save
    /// does: a new file renamed over the old one, nothing left behind, read-only files kept.
    @Test func updateWritesTranscriptsAsSaveWritesCheckpoints() throws {
        let (folder, lesson) = try lessonCopy()
        let expectedPath = folder.path + "/expected/01-characters.txt"
        let golden = try String(contentsOfFile: expectedPath, encoding: .utf8)
        try "stale\n".write(toFile: expectedPath, atomically: false, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: expectedPath)[.systemFileNumber] as? Int
        #expect(try runRNNRepl(["--check", "--update", lesson]).status == 0)
        #expect(try String(contentsOfFile: expectedPath, encoding: .utf8) == golden)
        let after = try FileManager.default.attributesOfItem(atPath: expectedPath)[.systemFileNumber] as? Int
        #expect(before != nil && before != after, "a new file renamed over the old one")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/expected") == ["01-characters.txt"])

        try "stale\n".write(toFile: expectedPath, atomically: false, encoding: .utf8)
        #expect(chmod(expectedPath, 0o444) == 0)
        let refused = try runRNNRepl(["--check", "--update", lesson])
        #expect(refused.status == 70)
        #expect(refused.errors.contains("rnnrepl: cannot write '\(expectedPath)': it is read-only (mode 0444)"), "\(refused.errors)")
        #expect(try String(contentsOfFile: expectedPath, encoding: .utf8) == "stale\n")
    }

    @Test func aMissingTranscriptIsAUsageError() throws {
        let (folder, lesson) = try lessonCopy()
        try FileManager.default.removeItem(atPath: folder.path + "/expected/01-characters.txt")
        let result = try runRNNRepl(["--check", lesson])
        #expect(result.status == 64)
        #expect(result.errors.contains("run with --check --update to create it"))
    }

    @Test func theRealLessonRunsFromAnyFolder() throws {
        // Paths inside a lesson are relative to the lesson, so it runs wherever we stand.
        let result = try runRNNRepl([repositoryRoot + "/lessons/01-characters.rnn"], directory: "/")
        #expect(result.status == 0, "\(result.errors)")
        let golden = try String(contentsOfFile: repositoryRoot + "/lessons/expected/01-characters.txt", encoding: .utf8)
        #expect(result.output == golden)
    }
}

@Suite struct InputHandlingTests {
    @Test func aPipeRunsEachLineAsItArrives() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rnnreplPath)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        input.fileHandleForWriting.write(Data("echo first\n".utf8))
        // The first line's output comes before the pipe is closed.
        var seen = Data()
        let deadline = Date().addingTimeInterval(30)
        while !String(decoding: seen, as: UTF8.self).contains("first") && Date() < deadline {
            seen += output.fileHandleForReading.availableData
        }
        #expect(String(decoding: seen, as: UTF8.self) == "first\n")
        input.fileHandleForWriting.write(Data("echo second\n".utf8))
        try input.fileHandleForWriting.close()
        seen += output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: seen, as: UTF8.self) == "first\nsecond\n")
        #expect(process.terminationStatus == 0)
    }

    @Test func eachDashEIsNamed() throws {
        let result = try runRNNRepl(["-e", "echo one", "-e", "show W_hh"])
        #expect(result.status == 70)
        #expect(result.errors.hasPrefix("-e#2:1:6: error:"))
    }

    /// `--width N` lays out a piped run at N columns: prose, matrices, traces, plots and the
    /// notes on standard error (lesson 3 has all of them).
    @Test func theWidthFlagLaysEverythingOutAtThatWidth() throws {
        let lesson = repositoryRoot + "/lessons/03-bptt.rnn"
        let result = try runRNNRepl(["--width", "60", lesson])
        #expect(result.status == 0, "\(result.errors)")
        let long = (result.output + result.errors).split(separator: "\n").filter { $0.count > 60 }
        #expect(long.isEmpty, "\(long)")
        #expect(result.output.split(separator: "\n").contains { $0.count > 50 }, "nothing used the width")
    }

    /// A script past the 16 MiB limit is refused before it is read (it could be /dev/zero).
    @Test func aScriptOverTheSizeLimitIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/big.rnn"
        let line = String(repeating: "#", count: 99) + "\n"
        try String(repeating: line, count: 16 * 1024 * 1024 / 100 + 1000).write(toFile: path, atomically: false, encoding: .utf8)
        let result = try runRNNRepl([path])
        #expect(result.status == 64)
        #expect(result.errors.contains("cannot read script '\(path)': it is larger than 16 MiB"), "\(result.errors)")
        #expect(result.output.isEmpty)
    }

    @Test func aScriptThatIsNotUTF8IsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/bad.rnn"
        try Data([0x65, 0x63, 0x68, 0x6F, 0x20, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        let result = try runRNNRepl([path])
        #expect(result.status == 65)
        #expect(result.errors.contains("\(path): error: the script is not valid UTF-8: the byte at offset 5"))
    }

    /// A script saved with a byte-order mark failed on its first line ("unknown command
    /// 'echo'"): a leading mark is skipped, in scripts, --check and piped input, as load and
    /// restore skip it; one inside a script is named in the message.
    @Test func aByteOrderMarkIsSkippedAtTheStartAndNamedInside() throws {
        let folder = try TemporaryFolder()
        let marked = folder.path + "/marked.rnn"
        try Data([0xEF, 0xBB, 0xBF] + Array("echo hello\n".utf8)).write(to: URL(fileURLWithPath: marked))
        let script = try runRNNRepl([marked])
        #expect(script.status == 0 && script.output == "hello\n", "\(script.errors)")
        let piped = try runRNNRepl([], input: "\u{FEFF}echo piped\necho two\n")
        #expect(piped.status == 0 && piped.output == "piped\ntwo\n", "\(piped.errors)")
        try FileManager.default.createDirectory(atPath: folder.path + "/expected", withIntermediateDirectories: true)
        _ = try folder.write("expected/marked.txt", "hello\n")
        let checked = try runRNNRepl(["--check", marked])
        #expect(checked.status == 0, "\(checked.output)\(checked.errors)")
        let inside = try folder.write("inside.rnn", "echo one\n\u{FEFF}echo two\n")
        let named = try runRNNRepl([inside])
        #expect(named.status == 65)
        #expect(named.errors.contains("unknown command '\u{FEFF}echo' (it holds U+FEFF, a byte-order mark, which does not show); did you mean 'echo'?"),
                "\(named.errors)")
    }

    @Test func afterAFailingScriptDashIGoesInteractive() throws {
        let folder = try TemporaryFolder()
        let failing = try folder.write("fails.rnn", "show W_hh\n")
        let never = try folder.write("never.rnn", "echo never\n")
        let result = try runRNNRepl([failing, never, "-i"], input: "echo interactive\n")
        #expect(result.output == "interactive\n")
        #expect(result.status == 0)
    }

    @Test func colourNeverLeaksIntoARedirectedErrorStream() throws {
        // Standard output is a pipe here: plain style, so no escapes at all.
        let result = try runRNNRepl(["-e", "bogus"])
        #expect(!result.errors.contains("\u{1B}["))
    }
}

import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `rnnrepl --html OUT`: the run as usual, plus a page; bad OUT paths refused before anything runs.
@Suite struct HTMLExportTests {
    static let script = """
    echo "A TINY SESSION"
    echo ""
    echo "Prose with <markup> & \\"quotes\\"."
    load builtin hello
    init hidden=3 seq=4 lr=0.1 seed=5
    step 2
    expect step ≈ 2
    show W_hh
    sample 20 seed=3

    """

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func thePageIsWrittenAndTheRunIsUnchanged() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("tiny.rnn", Self.script)
        let plain = try runRNNRepl([path])
        let page = folder.path + "/tiny.html"
        let withPage = try runRNNRepl(["--html", page, path])
        #expect(withPage.status == plain.status && plain.status == 0)
        #expect(withPage.output == plain.output)
        #expect(withPage.errors == plain.errors)
        let html = try Self.read(page)
        let text = try #require(pageText(html), "well-formed")
        #expect(html.contains("<title>A TINY SESSION</title>"))
        #expect(html.contains("<code>init hidden=3 seq=4 lr=0.1 seed=5</code>"))
        #expect(text.contains("Prose with <markup> & \"quotes\"."))
        // The numbers are the transcript's.
        for line in plain.output.split(separator: "\n") where line.hasPrefix("step ") || line.hasPrefix("model:") {
            #expect(text.contains(normalisingSpaces(String(line))), "\(line)")
        }
    }

    /// Refused before anything runs (the script's first line would print): exit 64, a clear
    /// message, and any file there unchanged.
    @Test(arguments: ["missing folder", "a folder", "read-only", "empty name"])
    func anUnwritablePageIsAUsageError(kind: String) throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("s.rnn", "echo ran\n")
        var page = folder.path + "/page.html"
        var message = ""
        switch kind {
        case "missing folder":
            page = folder.path + "/no/such/folder/page.html"
            message = "--html: cannot write the page '\(page)': its folder '\(folder.path)/no/such/folder': No such file or directory"
        case "a folder":
            page = folder.path
            message = "--html: cannot write the page '\(page)': it is a directory, not a regular file"
        case "read-only":
            _ = try folder.write("page.html", "old page")
            chmod(page, 0o444)
            message = "--html: cannot write the page '\(page)': it is read-only (mode 0444)"
        default:
            page = ""
            message = "--html needs the name of the page to write, e.g. --html lesson.html"
        }
        let result = try runRNNRepl(["--html", page, script])
        #expect(result.status == 64)
        #expect(result.output.isEmpty, "nothing ran")
        #expect(result.errors.contains("Error: " + message), "\(result.errors)")
        if kind == "read-only" { #expect(try Self.read(page) == "old page") }
    }

    /// However it is spelt, a script is never the page.
    @Test(arguments: ["same", "dot", "symlink", "hard link"])
    func aScriptIsNeverThePage(spelling: String) throws {
        let folder = try TemporaryFolder()
        let script = try folder.write("lesson.rnn", "echo ran\n")
        var page = script
        switch spelling {
        case "dot": page = folder.path + "/./lesson.rnn"
        case "symlink":
            page = folder.path + "/link.html"
            symlink(script, page)
        case "hard link":
            page = folder.path + "/hard.html"
            link(script, page)
        default: break
        }
        let result = try runRNNRepl(["--html", page, script])
        #expect(result.status == 64)
        #expect(result.output.isEmpty)
        #expect(result.errors.contains("Error: --html '\(page)' is the script '\(script)': the page would replace it; "
            + "name another file, e.g. 'lesson.html'"), "\(result.errors)")
        #expect(try Self.read(script) == "echo ran\n")
    }

    @Test func withCheckTheGoldenTranscriptIsNeverThePage() throws {
        let lesson = repositoryRoot + "/lessons/01-characters.rnn"
        let golden = repositoryRoot + "/lessons/expected/01-characters.txt"
        let before = try Self.read(golden)
        let result = try runRNNRepl(["--check", "--html", golden, lesson])
        #expect(result.status == 64)
        #expect(result.errors.contains("is the golden transcript of '\(lesson)'"))
        #expect(try Self.read(golden) == before)
    }

    /// A script that fails half-way: the exit code and output as without the page, and the page
    /// shows what ran and the error.
    @Test func aFailingScriptStillGetsItsPage() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("fails.rnn", "echo before\nload builtin hello\nshow W_hh\necho never\n")
        let page = folder.path + "/fails.html"
        let plain = try runRNNRepl([path])
        let result = try runRNNRepl(["--html", page, path])
        #expect(result.status == 70 && plain.status == 70)
        #expect(result.output == plain.output && result.errors == plain.errors)
        let html = try Self.read(page)
        let text = try #require(pageText(html))
        #expect(text.contains("loaded builtin hello: 12 characters"))
        #expect(html.contains("<pre class=\"error\">"))
        #expect(text.contains(normalisingSpaces(plain.errors.split(separator: "\n")[0].description)))
        #expect(!text.contains("never"))
    }

    /// Output with markup, quotes and control characters (from the text itself) is shown,
    /// never interpreted; a long output collapses; the page stays well-formed.
    @Test func hostileAndHugeOutputIsEscapedAndCollapsed() throws {
        let folder = try TemporaryFolder()
        _ = try folder.write("odd.txt", "ab\u{1B}[31mc\u{7}d <b>&amp; \"q\" '\u{202E}' </pre><script>alert(1)</script>\n"
            + String(repeating: "the cat sat on the mat. ", count: 40))
        let path = try folder.write("odd.rnn", """
        load odd.txt
        init hidden=4 seq=60 seed=2
        sample 300 seed=1
        forward trace
        score "<b>&\\"</b>"

        """)
        let page = folder.path + "/odd.html"
        let result = try runRNNRepl(["--html", page, path])
        #expect(result.status == 0, "\(result.errors)")
        let html = try Self.read(page)
        let text = try #require(pageText(html), "well-formed")
        for raw in ["\u{1B}", "\u{7}", "\u{202E}", "<script", "<b>"] { #expect(!html.contains(raw), "\(raw)") }
        #expect(html.contains("<span class=\"ctl\" title=\"U+001B\">␛</span>"))
        #expect(text.contains("U+202E"))
        #expect(html.contains("<details class=\"more\"><summary>show the other "))
        // Every line of the transcript with invisible characters is in the page, with them shown.
        let ctl = ["\u{1B}": "␛", "\u{7}": "␇", "\u{202E}": "U+202E"]
        var found = 0
        for line in result.output.split(separator: "\n") where ctl.keys.contains(where: { line.contains($0) }) {
            var visible = String(line)
            for (raw, shown) in ctl { visible = visible.replacingOccurrences(of: raw, with: shown) }
            let present = text.contains(normalisingSpaces(visible))
            #expect(present, "missing: \(visible.prefix(80))")
            found += present ? 1 : 0
        }
        #expect(found >= 2)
    }

    @Test func commandsFromDashEAndStandardInputArePagesToo() throws {
        let folder = try TemporaryFolder()
        let page = folder.path + "/e.html"
        let result = try runRNNRepl(["--html", page, "-e", "load builtin hello; init hidden=3 seq=4 seed=1", "-e", "show b_h"])
        #expect(result.status == 0)
        var html = try Self.read(page)
        #expect(html.contains("<code>load builtin hello</code>") && html.contains("<code>show b_h</code>"))
        #expect(html.contains("<h1>-e commands</h1>"))

        let piped = try runRNNRepl(["--html", page], input: "load builtin hello\ninit hidden=3 seq=4 seed=1\nshow nosuch\n")
        #expect(piped.status == 70)
        html = try Self.read(page)
        #expect(html.contains("<h1>standard input</h1>"))
        #expect(html.contains("<code>init hidden=3 seq=4 seed=1</code>"))
        #expect(html.contains("<pre class=\"error\">"))
    }

    /// With --check, one page holds every checked script; the check itself is unchanged.
    @Test func checkWritesOnePageOfTheCheckedScripts() throws {
        let folder = try TemporaryFolder()
        let page = folder.path + "/lessons.html"
        let lessons = ["01-characters", "02-forward"].map { repositoryRoot + "/lessons/\($0).rnn" }
        let plain = try runRNNRepl(["--check"] + lessons)
        let result = try runRNNRepl(["--check", "--html", page] + lessons)
        #expect(result.status == 0 && plain.status == 0)
        #expect(result.output == plain.output)
        let html = try Self.read(page)
        #expect(pageText(html) != nil)
        for lesson in lessons { #expect(html.contains("<h2 class=\"source-name\">\(lesson)</h2>")) }
        #expect(html.contains("<title>LESSON 1 - CHARACTERS, A VOCABULARY AND ONE-HOT VECTORS</title>"))
    }

    /// An interactive session's page is written when it ends: Ctrl-D, or quit.
    @Test(arguments: ["\u{4}", "quit\n"])
    func anInteractiveSessionIsWrittenWhenItEnds(ending: String) throws {
        let folder = try TemporaryFolder()
        let page = folder.path + "/session.html"
        let session = try PseudoTerminalSession(arguments: ["--html", page], home: folder.path)
        #expect(session.waitFor("rnn> ", timeout: 60))
        session.send("load builtin hello\n")
        #expect(session.waitFor("loaded builtin hello", timeout: 60))
        #expect(session.waitFor("rnn> ", since: session.offset(after: "loaded builtin hello"), timeout: 60))
        #expect(!FileManager.default.fileExists(atPath: page), "written at the end, not before")
        session.send(ending)
        #expect(session.exitStatus(timeout: 60) == 0)
        let html = try Self.read(page)
        #expect(pageText(html) != nil)
        #expect(html.contains("<code>load builtin hello</code>"))
        #expect(html.contains("<h1>interactive session</h1>"))
        #expect(html.contains("Type &#39;help&#39; for commands"))
    }

    /// When the page cannot be written at the end (its folder went away during the run), the
    /// run says so and exits 74; a run that failed keeps its own exit code.
    @Test func aPageThatCannotBeWrittenAtTheEndIsReported() throws {
        let folder = try TemporaryFolder()
        let pages = folder.path + "/pages"
        try FileManager.default.createDirectory(atPath: pages, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rnnreplPath)
        process.arguments = ["--html", pages + "/p.html"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data("load builtin hello\n".utf8))
        // Wait (generously) until the command has run, then take the folder away.
        var shown = Data()
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: shown, as: UTF8.self).contains("vocabulary") && Date() < deadline {
            shown += output.fileHandleForReading.availableData
        }
        try FileManager.default.removeItem(atPath: pages)
        try input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74)
        #expect(joiningWrappedErrorLines(message).contains("rnnrepl: cannot write the page '\(pages)/p.html': "))
        #expect(message.contains("any file that was there is unchanged"))
    }
}

import Foundation
import RNNLanguage
import RNNRendering
import Testing
import TestSupport

/// Every lesson's page (and a page of every kind of output) in a real browser: headless
/// Chromium, driven by Tests/browser/check_page.py (which says what it checks: well-formed,
/// no text lost, no console message, not blank in light and dark, each plot drawn at its
/// size at 1000 and 375 pixels, nothing wider than a phone, collapsed outputs printed).
/// Skipped when chromium or python3 is not installed (`.ci/run` installs chromium).
@Suite(.serialized) struct BrowserTests {
    /// The first of `names` found on the PATH (or in the environment variable `override`).
    static func program(_ names: [String], override: String) -> String? {
        if let given = ProcessInfo.processInfo.environment[override], !given.isEmpty { return given }
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in names {
            for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    static let chromium = program(["chromium", "chromium-browser", "google-chrome"], override: "RNNREPL_CHROMIUM")
    static let python = program(["python3"], override: "RNNREPL_PYTHON")
    static let available = chromium != nil && python != nil
    static let checker = repositoryRoot + "/Tests/browser/check_page.py"

    static let lessons: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/lessons")) ?? [])
        .filter { $0.hasSuffix(".rnn") }.sorted()

    /// The lines a page must show, from the same run in process: every line of the text,
    /// matrix, prose and error blocks as the page lays them out (Unicode, 100 columns); of a
    /// plot its title and the series' names; of bars their title, labels and values; of a
    /// heatmap its header; each command but a `pause` (a break on the page). The pictures
    /// themselves are checked in the browser. Timing notes differ from run to run: left out.
    static func expectedLines(of source: String, fileName: String, baseDirectory: String) -> [String] {
        var session = Session()
        session.baseDirectory = baseDirectory
        let collector = LineCollector()
        _ = Runner.run(source, fileName: fileName, session: &session, console: collector)
        return collector.lines.map(HTML.visible)
    }

    /// A character of a shaded text as the page shows it: a tab as →, a character that does not
    /// show as ?, others as themselves.
    static func visibleCharacter(_ scalar: Unicode.Scalar) -> String {
        if scalar == "\t" { return "→" }
        let category = scalar.properties.generalCategory
        if columns(of: scalar) == 0 || category == .control || category == .format { return "?" }
        return String(Character(scalar))
    }

    /// A console that turns each block into the lines a page must show as it arrives (blocks
    /// are rendered at once: a trace reads the model as it is when it is emitted).
    final class LineCollector: Console {
        var lines: [String] = []
        private var command: String?
        private var clock = 0.0

        func emit(_ block: Block, width: Int?) {
            let context = RenderContext.page(width: width)
            if case .pause = block {
                command = nil
                return
            }
            if let command { lines.append(command) }
            command = nil
            switch block {
            case .prose, .text, .matrix, .error:
                lines += renderText(block, context: context).split(separator: "\n").map(String.init)
            case .plot(let series, let layout):
                lines += [layout.options.title ?? ""] + series.map(\.name)
            case .bars(let bars, let options):
                let values = barValueTexts(bars, precision: options.precision, significant: options.significant)
                lines += [options.title ?? ""] + zip(bars, values).map { $0.label + " " + $1 }
            case .heatmap(let matrix):
                lines.append(HeatmapGrid(matrix, width: context.width, maxRows: 40, cellWidth: 2)?.header(style: .page) ?? matrix.name)
            case .highlight(let text):
                // The text itself, line by line as written (its characters are shown one by one).
                var shown = ""
                for scalar in text.scalars { shown += scalar == "\n" ? "↵\n" : BrowserTests.visibleCharacter(scalar) }
                lines += shown.split(separator: "\n").map(String.init)
            case .scatter(_, let layout):
                lines += [layout.xLabel ?? "", layout.yLabel ?? ""]
            case .command(let source):
                command = source  // shown unless a pause follows (the page shows a break instead)
            case .pause:
                break
            }
        }

        func emitError(_ block: Block) {
            if let command { lines.append(command) }
            command = nil
            if case .error = block {
                lines += renderText(block, context: .page(width: nil)).split(separator: "\n").map(String.init)
            }
        }

        func progress(_ state: ProgressState) {}
        func finishProgress() {}
        var showsProgress: Bool { false }
        var isInteractive: Bool { false }
        func waitForEnter() -> Bool { true }
        func takeInterrupt() -> Bool { false }
        func now() -> Double {
            clock += 0.001
            return clock
        }
        var pageWidth: Int { 100 }
    }

    struct Check: Decodable {
        struct Report: Decodable {
            var bytes: Int?
            var plots: Int?
            var text_lines: Int
            var collapsed_outputs: Int?
            var phone_scroll_width: Int?
        }
        var report: Report
        var failures: [String]
    }

    /// Runs the checker on a page; its findings.
    static func check(page: String, expected: [String], folder: TemporaryFolder) throws -> Check {
        let linesFile = try folder.write("expected-lines.txt", expected.joined(separator: "\n"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = ["-B", checker, page, "--expected-lines", linesFile, "--chromium", chromium!]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            box.data = errors.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        guard let check = try? JSONDecoder().decode(Check.self, from: data) else {
            Issue.record("the checker failed (exit \(process.terminationStatus)): \(String(decoding: data + box.data, as: UTF8.self))")
            return Check(report: Check.Report(text_lines: 0), failures: ["no report"])
        }
        return check
    }

    @Test(.enabled(if: available, "needs chromium and python3"), arguments: lessons)
    func aLessonsPagePassesTheBrowserChecks(lesson: String) throws {
        let folder = try TemporaryFolder()
        let name = String(lesson.dropLast(4))
        let page = folder.path + "/\(name).html"
        let script = repositoryRoot + "/lessons/" + lesson
        let result = try runRNNRepl(["--html", page, script])
        #expect(result.status == 0, "\(result.errors)")
        let golden = try String(contentsOfFile: repositoryRoot + "/lessons/expected/\(name).txt", encoding: .utf8)
        #expect(result.output == golden, "the transcript is unchanged by --html")
        let source = try String(contentsOfFile: script, encoding: .utf8)
        let expected = Self.expectedLines(of: source, fileName: script, baseDirectory: repositoryRoot + "/lessons")
        let check = try Self.check(page: page, expected: expected, folder: folder)
        #expect(check.failures.isEmpty, "\(lesson): \(check.failures)")
        #expect(check.report.text_lines > 30)
        print("browser check \(lesson): \(check.report.bytes ?? 0) bytes, \(check.report.plots ?? 0) plots, "
              + "\(check.report.text_lines) lines found, \(check.report.collapsed_outputs ?? 0) collapsed, "
              + "375 px wide: \(check.report.phone_scroll_width ?? 0)")
    }

    /// Every kind of block, hostile text, a long output and an error on one page.
    @Test(.enabled(if: available, "needs chromium and python3"))
    func aPageOfEveryKindOfOutputPassesTheBrowserChecks() throws {
        let folder = try TemporaryFolder()
        _ = try folder.write("odd.txt", "ab\u{1B}[31mc\u{7}d <b>&amp; \"q\" '\u{202E}' </pre><script>alert(1)</script>\n"
            + String(repeating: "the cat sat on the mat; the dog sat on the log. ", count: 30))
        let source = """
        echo "EVERY KIND OF OUTPUT"
        echo ""
        echo "Prose with <markup>, & and \\"quotes\\", a long word: \(String(repeating: "x", count: 120))"
        echo "    h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h)"
        echo "  * an item that goes on"
        echo "    over two lines"
        load odd.txt
        init hidden=40 seq=25 seed=2
        show W_xh
        show W_hh heatmap
        show W_xh heatmap
        plot probs prime="the c" top=6
        forward trace
        train 120
        keep first
        init hidden=40 seq=25 seed=3 lr=0.05
        train 120
        keep second
        plot runs
        plot loss log=on ymax=3
        forward
        backward
        plot grad-norms
        plot grad-norms log=on
        sample 400 seed=1
        highlight p "the cat sat on the mat; the dog <sat> & \\"ran\\"."
        saliency "the cat sat on the"
        plot states "the cat sat on the mat; the dog sat on the log."
        pause
        show nosuch

        """
        let script = try folder.write("every.rnn", source)
        let page = folder.path + "/every.html"
        let result = try runRNNRepl(["--html", page, script])
        #expect(result.status == 70, "\(result.errors)")
        let check = try Self.check(page: page, expected: Self.expectedLines(of: source, fileName: script, baseDirectory: folder.path),
                                   folder: folder)
        #expect(check.failures.isEmpty, "\(check.failures)")
        #expect((check.report.plots ?? 0) >= 5)
        #expect((check.report.collapsed_outputs ?? 0) >= 1)
    }
}

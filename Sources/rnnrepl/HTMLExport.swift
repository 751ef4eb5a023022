import RNNCore
import RNNLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--html OUT`: the page a run also writes. OUT is checked before anything runs (a usage
/// error names what is wrong); the page is recorded while the run shows its output as usual,
/// and written atomically when the run ends, whatever its outcome (a failed script's page
/// shows the error).
struct HTMLExport {
    let path: String
    let recording = PageRecording()

    /// Exit code when the run succeeded but its page could not be written (EX_IOERR).
    static let writeFailedExitCode: Int32 = 74

    /// Why OUT cannot take the page, nil when it can: it must be writable (as `save` would
    /// write it), and it must not be one of the scripts, nor (with --check) one of their golden
    /// transcripts.
    static func problem(path: String, scripts: [String], goldenTranscripts: [String]) -> PageProblem? {
        guard !path.isEmpty else { return .noFileName }
        for script in scripts where sameFile(path, script) {
            return .isAScript(page: path, script: script)
        }
        for (script, golden) in zip(scripts, goldenTranscripts) where sameFile(path, golden) {
            return .isAGoldenTranscript(page: path, script: script)
        }
        if let failure = writabilityProblem(path) { return .cannotWrite(page: path, reason: failure.reason) }
        return nil
    }

    /// Writes the page; what went wrong when it could not (the file that was there, if any,
    /// is unchanged).
    func write() -> PageProblem? {
        let html = recording.document()
        do {
            try writeAtomically(Array(html.utf8), to: path)
            return nil
        } catch {
            return .writeFailed(page: path, reason: error.reason)
        }
    }
}

/// Whether two paths name the same existing file (through links, "./", hard links).
private func sameFile(_ a: String, _ b: String) -> Bool {
    var first = stat(), second = stat()
    guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino
}

/// What is wrong with `--html OUT`, with its wording.
enum PageProblem: Error, Equatable {
    case noFileName
    case isAScript(page: String, script: String)
    case isAGoldenTranscript(page: String, script: String)
    case cannotWrite(page: String, reason: String)
    /// At the end of the run.
    case writeFailed(page: String, reason: String)

    var message: String {
        switch self {
        case .noFileName:
            "--html needs the name of the page to write, e.g. --html lesson.html"
        case .isAScript(let page, let script):
            "--html '\(page)' is the script '\(script)': the page would replace it; name another file, e.g. '\(pageName(for: script))'"
        case .isAGoldenTranscript(let page, let script):
            "--html '\(page)' is the golden transcript of '\(script)': the page would replace it; name another file"
        case .cannotWrite(let page, let reason):
            "--html: cannot write the page '\(page)': \(reason)"
        case .writeFailed(let page, let reason):
            "rnnrepl: cannot write the page '\(page)': \(reason); any file that was there is unchanged"
        }
    }

    /// "lessons/05-x.rnn" → "05-x.html".
    private func pageName(for script: String) -> String {
        var name = script.split(separator: "/").last.map(String.init) ?? script
        if name.hasSuffix(".rnn") { name.removeLast(4) }
        return name + ".html"
    }
}

import RNNCore
import RNNLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rnnrepl --check SCRIPT…`: runs each script and compares its output with its golden
/// transcript; `--update` rewrites the transcripts instead. Exit code 0 when all match, 1 when
/// one differs, 70 when a script fails, 64 when a file is missing.
struct GoldenCheck {
    let update: Bool
    /// With --html: every checked script's output is recorded on this page too.
    var page: PageRecording?

    func run(scripts: [String]) -> Int32 {
        var status: Int32 = 0
        for path in scripts {
            let source: String
            switch readTextFile(path) {
            case .success(let text): source = text
            case .failure(let failure):
                writeAll(STDERR_FILENO, "rnnrepl: cannot read script '\(path)': \(failure)\n")
                status = max(status, 64)
                continue
            }
            let expectedPath = Golden.expectedPath(forScript: path)
            let result = Golden.transcript(of: source, fileName: path, baseDirectory: directory(containing: path),
                                           recordingOn: page)
            guard result.outcome == .completed else {
                writeAll(STDERR_FILENO, result.errors + "FAILED \(path): the script itself failed (exit code \(result.outcome.exitCode))\n")
                status = max(status, 70)
                continue
            }
            if update {
                let folder = directory(containing: expectedPath)
                if folder != "." { mkdir(folder, 0o755) }
                // As save writes a checkpoint: an interrupted update never leaves half a transcript.
                do {
                    try writeAtomically(Array(result.output.utf8), to: expectedPath)
                } catch {
                    writeAll(STDERR_FILENO, "rnnrepl: cannot write '\(expectedPath)': \(error.reason); any file that was there is unchanged\n")
                    status = max(status, 70)
                    continue
                }
                writeAll(STDOUT_FILENO, "updated \(expectedPath)\n")
                continue
            }
            guard case .success(let expected) = readTextFile(expectedPath) else {
                writeAll(STDERR_FILENO, "rnnrepl: no golden transcript '\(expectedPath)' for \(path): run with --check --update to create it\n")
                status = max(status, 64)
                continue
            }
            if expected == result.output {
                writeAll(STDOUT_FILENO, "ok      \(path)\n")
            } else {
                writeAll(STDOUT_FILENO, "DIFFERS \(path)\n" + Golden.diff(expected: expected, actual: result.output,
                                                                         expectedName: expectedPath, actualName: "output of " + path))
                status = max(status, 1)
            }
        }
        return status
    }
}

import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `rnnrepl` next to the test bundle (the test target depends on it, so it is built).
let rnnreplPath: String = {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    // Linux: .build/debug/rnnreplPackageTests.xctest; macOS: …/rnnreplPackageTests.xctest/Contents/MacOS/…
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rnnrepl").path) && folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("rnnrepl").path
}()

/// The repository's root (for lessons/).
let repositoryRoot: String = {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) && folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    return folder.path
}()

struct ProcessResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs rnnrepl with `arguments`, feeding `input` on standard input (pipes, so not a terminal).
func runRNNRepl(_ arguments: [String], input: String = "", environment: [String: String] = [:],
                directory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: rnnreplPath)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "NO_COLOR")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    // Read both pipes to the end before waiting, so a full pipe cannot block the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let outBox = Box()
    let reader = stdout.fileHandleForReading
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        outBox.data = reader.readDataToEndOfFile()
        group.leave()
    }
    let errData = stderr.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, output: String(decoding: outBox.data, as: UTF8.self),
                         errors: joiningWrappedErrorLines(String(decoding: errData, as: UTF8.self)))
}

/// Runs a `/bin/sh -c` command line (for redirections and limits), standard output discarded;
/// its exit status and standard error.
func runShell(_ command: String) throws -> (status: Int32, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("rnnrepl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// rnnrepl on a pseudo-terminal that is its controlling terminal, so Ctrl-C (byte 3) becomes
/// SIGINT as with a person at the keyboard.
final class PseudoTerminalSession {
    let master: Int32
    let pid: pid_t
    private(set) var transcript = ""

    // Linux's pseudo-terminal ioctls and glibc's spawn flag (not exported to Swift).
    static let unlockRequest: UInt = 0x4004_5431       // TIOCSPTLCK
    static let numberRequest: UInt = 0x8004_5430       // TIOCGPTN
    static let spawnNewSession: Int16 = 0x80           // POSIX_SPAWN_SETSID

    init(arguments: [String] = [], home: String, columns: UInt16 = 120, environment: [String] = []) throws {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.unlockRequest, &unlock) == 0, ioctl(master, Self.numberRequest, &number) == 0 else {
            throw POSIXError(.ENOTTY)
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: 40, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession)  // new session: the tty becomes controlling
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        defer {
            posix_spawnattr_destroy(&attributes)
            posix_spawn_file_actions_destroy(&actions)
        }
        let words: [String] = [rnnreplPath] + arguments
        let settings: [String] = ["TERM=xterm-256color", "HOME=\(home)", "PATH=/usr/bin:/bin"] + environment
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let env: [UnsafeMutablePointer<CChar>?] = settings.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var child = pid_t()
        let status = posix_spawn(&child, rnnreplPath, &actions, &attributes, argv, env)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        pid = child
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Resizes the terminal (the program sees SIGWINCH and the new size).
    func resize(columns: UInt16, rows: UInt16 = 40) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        kill(pid, SIGWINCH)
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Reads until `pattern` appears in what came after `since` (a transcript offset), or fails
    /// after `timeout` seconds (generous: the machine may be loaded).
    @discardableResult
    func waitFor(_ pattern: String, since: Int = 0, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let offset = transcript.index(transcript.startIndex, offsetBy: min(since, transcript.count))
            if transcript[offset...].contains(pattern) { return true }
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(master, &buffer, buffer.count)
                if count <= 0 { return transcript[offset...].contains(pattern) }
                transcript += String(decoding: buffer[0 ..< count], as: UTF8.self)
            }
        }
        return false
    }

    var mark: Int { transcript.count }

    /// The offset just past the last occurrence of `text` in the transcript (its end if absent).
    func offset(after text: String) -> Int {
        guard let range = transcript.range(of: text, options: .backwards) else { return transcript.count }
        return transcript.distance(from: transcript.startIndex, to: range.upperBound)
    }

    /// The transcript as a person sees it: escape sequences removed, each redraw after a
    /// carriage return on a line of its own.
    var visibleLines: [String] {
        var plain = ""
        var inEscape = false
        for scalar in transcript.unicodeScalars {
            if inEscape {
                if (0x40 ... 0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                plain.unicodeScalars.append(scalar)
            }
        }
        return plain.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }).map(String.init)
    }

    /// The lines a person sees at the end, as a terminal draws the transcript: "\r" goes back to
    /// the start of the line, "\n" down to a new one, "\u{1B}[K" erases to the end of the line;
    /// other escapes (colours) draw nothing.
    var screen: [String] {
        var lines: [[Unicode.Scalar]] = [[]]
        var column = 0
        var escape: String?
        for scalar in transcript.unicodeScalars {
            if var sequence = escape {
                sequence.unicodeScalars.append(scalar)
                escape = sequence
                if sequence.count > 1 && (0x40 ... 0x7E).contains(scalar.value) {
                    if sequence == "[K" { lines[lines.count - 1].removeSubrange(min(column, lines[lines.count - 1].count)...) }
                    escape = nil
                }
                continue
            }
            switch scalar {
            case "\u{1B}": escape = ""
            case "\r": column = 0
            case "\n":
                lines.append([])
                column = 0
            default:
                var line = lines[lines.count - 1]
                while line.count < column { line.append(" ") }
                if column < line.count { line[column] = scalar } else { line.append(scalar) }
                lines[lines.count - 1] = line
                column += 1
            }
        }
        return lines.map { String(String.UnicodeScalarView($0)) }
    }

    /// Waits for the process to end and returns its exit status.
    func exitStatus(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                // What the program wrote just before it ended may still be in the terminal's buffer.
                _ = waitFor("\u{0}", timeout: 0.3)
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            _ = waitFor("\u{0}", timeout: 0.1)  // keep draining output
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much one read may bring in. Every file rnnrepl reads has one of these limits, so that
/// `/dev/zero`, a FIFO fed from it or a mistyped path to a disk image ends with a clear
/// message instead of growing memory until the process dies.
public enum ReadLimit {
    /// A text to train on (`load`, `score file=`): 1 GiB of UTF-8.
    public static let corpus = 1 << 30
    /// A script (`rnnrepl FILE.rnn`, `--check`): 16 MiB, over 100,000 lines of any lesson.
    public static let script = 16 << 20
    /// A checkpoint (`restore`): 16 GiB; besides, a checkpoint whose reading would not fit in
    /// the memory available is refused before a byte is read (`checkpointMemoryFactor`).
    public static let checkpoint = 16 << 30
    /// One line of commands from a pipe: 1 MiB.
    public static let line = 1 << 20

    /// Memory that reading a checkpoint takes, per byte of the file, before its numbers are
    /// counted: the text, and the numbers parsed from it (8 bytes for the 15–25 characters of
    /// each in a trained model). `restore` then counts the numbers and checks their memory too.
    public static let checkpointMemoryFactor = 1.5
    /// The same for a text to train on: its bytes, their scan, and the encoded characters (1
    /// byte each, 2 beyond 256 distinct characters). Measured at 2.0 for an ASCII text.
    public static let corpusMemoryFactor = 3.0
}

/// Why a read failed.
public enum ReadFailure: Error, Equatable, Sendable {
    case notFound
    case isDirectory
    /// A character or block device, a socket, or (where only regular files will do) a FIFO:
    /// `kind` says which ("a character device").
    case notAFile(kind: String)
    /// More than `limit` bytes.
    case tooLarge(limit: Int)
    /// Reading the file (`fileBytes` long) would take `neededBytes` of memory, more than the
    /// `availableBytes` left (`ulimit -v`, other programs): refused before a byte is read.
    case notEnoughMemory(fileBytes: Int, neededBytes: Double, availableBytes: Double)
    /// A line of a pipe longer than `limit` bytes.
    case lineTooLong(limit: Int)
    /// Ctrl-C while waiting or reading; nothing was kept.
    case interrupted
    /// The file ended before a part its own header promised (it shrank while being read).
    case changedWhileReading
    case system(String)
}

/// Reads a whole file: a regular file, or a FIFO (a named pipe, `<(…)`), which is read until
/// its writer closes it. Devices and sockets are refused; more than `limit` bytes is refused
/// (a regular file before a byte is read). With `memoryFactor`, a regular file whose size
/// times it is more than the memory available (`availableMemoryBytes`) is refused before a
/// byte is read, so that a file too big for memory ends with a message, not a crash.
/// `shouldStop` is asked while an open or read of a FIFO waits and between chunks of a large
/// file; when it says yes the read ends with `.interrupted`.
public func readWholeFile(_ path: String, limit: Int, allowFIFO: Bool = true, memoryFactor: Double? = nil,
                          shouldStop: () -> Bool = { false }) throws(ReadFailure) -> [UInt8] {
    var info = stat()
    guard stat(path, &info) == 0 else { throw failure(errno) }
    let kind = info.st_mode & S_IFMT
    if kind == S_IFDIR { throw .isDirectory }
    guard kind == S_IFREG || (allowFIFO && kind == S_IFIFO) else { throw .notAFile(kind: fileKind(kind)) }
    if kind == S_IFREG && Int(info.st_size) > limit { throw .tooLarge(limit: limit) }

    // A FIFO is opened without waiting for a writer (O_NONBLOCK), then polled: every wait is a
    // series of short polls, so Ctrl-C is seen within a tenth of a second whenever it came.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | (kind == S_IFIFO ? O_NONBLOCK : 0))
    guard descriptor >= 0 else { throw failure(errno) }
    defer { close(descriptor) }
    // The file may have changed kind between stat and open (a race): check what was opened.
    guard fstat(descriptor, &info) == 0 else { throw failure(errno) }
    let openedKind = info.st_mode & S_IFMT
    guard openedKind == S_IFREG || (allowFIFO && openedKind == S_IFIFO) else { throw .notAFile(kind: fileKind(openedKind)) }
    if openedKind == S_IFREG, let memoryFactor {
        let size = Int(info.st_size), needed = Double(size) * memoryFactor, available = availableMemoryBytes()
        if needed > available { throw .notEnoughMemory(fileBytes: size, neededBytes: needed, availableBytes: available) }
    }

    let chunk = 16 << 20
    var bytes: [UInt8] = []
    if openedKind == S_IFREG { bytes.reserveCapacity(min(Int(info.st_size), limit) + 1) }
    var buffer = [UInt8](repeating: 0, count: openedKind == S_IFREG ? min(chunk, max(Int(info.st_size) + 1, 1 << 16)) : 1 << 16)
    var sinceCheck = 0
    while true {
        let got = try readSome(descriptor, into: &buffer, waiting: openedKind == S_IFIFO, shouldStop: shouldStop)
        if got == 0 { break }
        guard bytes.count + got <= limit else { throw .tooLarge(limit: limit) }
        bytes.append(contentsOf: buffer[0 ..< got])
        sinceCheck += got
        if sinceCheck >= chunk {
            sinceCheck = 0
            if shouldStop() { throw .interrupted }
        }
    }
    return bytes
}

/// A regular file open for reading at any offset (`pread`), for formats that say where each
/// part is: a safetensors checkpoint is read tensor by tensor, straight into the arrays that
/// keep them, so the file is never in memory whole. Directories, devices, sockets and FIFOs
/// are refused before the file is opened (a FIFO would wait for a writer).
public final class RandomAccessFile {
    /// The file's size in bytes when it was opened.
    public let size: Int
    private let descriptor: Int32

    public init(path: String) throws(ReadFailure) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure(errno) }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR { throw .isDirectory }
        guard kind == S_IFREG else { throw .notAFile(kind: fileKind(kind)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(errno) }
        // The file may have changed kind between stat and open (a race): check what was opened.
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            let kind = info.st_mode & S_IFMT
            close(descriptor)
            throw .notAFile(kind: fileKind(kind))
        }
        self.descriptor = descriptor
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Fills `buffer` with the bytes from `offset` on; fails when the file ends first (it
    /// shrank since it was opened).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ReadFailure) {
        var done = 0
        while done < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + done, min(buffer.count - done, 1 << 30), off_t(offset + done))
            if got < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw failure(errno)
            }
            if got == 0 { throw .changedWhileReading }
            done += got
        }
    }

    /// `count` bytes from `offset` on.
    public func bytes(at offset: Int, count: Int) throws(ReadFailure) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var problem: ReadFailure?
        result.withUnsafeMutableBytes { buffer in
            do throws(ReadFailure) {
                try read(at: offset, into: buffer)
            } catch {
                problem = error
            }
        }
        if let problem { throw problem }
        return result
    }
}

/// Reads what is there into `buffer` (0 at the end of the file). With `waiting` (a pipe or a
/// FIFO, where data may take forever to come) the wait is a series of polls of 100 ms, asking
/// `shouldStop` in between: a Ctrl-C is never lost, even one that came just before the wait.
public func readSome(_ descriptor: Int32, into buffer: inout [UInt8], waiting: Bool,
                     shouldStop: () -> Bool) throws(ReadFailure) -> Int {
    while true {
        if waiting {
            if shouldStop() { throw .interrupted }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 100)
            if ready < 0 && errno != EINTR { throw failure(errno) }
            if ready <= 0 { continue }
        }
        let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if got >= 0 { return got }
        if errno == EINTR || errno == EAGAIN {
            if shouldStop() { throw .interrupted }
            continue
        }
        throw failure(errno)
    }
}

/// 3 when `bytes` start with the UTF-8 byte-order mark (EF BB BF), else 0. Texts, scripts,
/// piped commands and checkpoints skip a leading one (Windows editors write it); anywhere else
/// it is the character U+FEFF.
public func byteOrderMarkLength<C: Collection<UInt8>>(_ bytes: C) -> Int {
    bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
}

/// The folder of `path`, as `dirname` gives it: "." for a bare name, "/" for a file at the
/// root. Scripts resolve their relative paths from it; saves write their temporary file there.
public func directory(containing path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// A file's kind in words, for messages: "a character device", "a FIFO (named pipe)".
public func fileKind(_ kind: mode_t) -> String {
    switch kind {
    case S_IFDIR: "a directory"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFIFO: "a FIFO (named pipe)"
    case S_IFSOCK: "a socket"
    case S_IFLNK: "a symbolic link"
    default: "not a regular file"
    }
}

private func failure(_ code: Int32) -> ReadFailure {
    switch code {
    case ENOENT, ENOTDIR: .notFound
    case EISDIR: .isDirectory
    default: .system(String(cString: strerror(code)))
    }
}

/// "1 GiB", "16 MiB": the read limits as the messages state them.
public func formatLimit(_ bytes: Int) -> String {
    if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) bytes"
}

// MARK: - Memory

/// Bytes this process can still allocate: the smallest of the memory the system reports as
/// available (`MemAvailable` in /proc/meminfo; physical memory where that is unknown) and what
/// the address-space and data limits (RLIMIT_AS, RLIMIT_DATA: `ulimit -v`, `ulimit -d`) leave
/// beyond what the process already uses.
public func availableMemoryBytes() -> Double {
    var available = systemAvailableMemory()
    let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    let (virtualPages, dataPages) = processPages()
    let unlimited = rlim_t.max  // RLIM_INFINITY
    for (resource, used) in [(RLIMIT_AS, virtualPages), (RLIMIT_DATA, dataPages)] {
        var limit = rlimit()
        #if canImport(Glibc)
        let got = getrlimit(__rlimit_resource_t(resource.rawValue), &limit)
        #else
        let got = getrlimit(resource, &limit)
        #endif
        if got == 0 && limit.rlim_cur != unlimited {
            available = min(available, max(0, Double(limit.rlim_cur) - used * pageSize))
        }
    }
    return available
}

/// MemAvailable from /proc/meminfo, or the physical memory.
private func systemAvailableMemory() -> Double {
    if let text = try? readWholeFile("/proc/meminfo", limit: 1 << 20, allowFIFO: false) {
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let number = line.dropFirst("MemAvailable:".count).split(separator: " ").first.flatMap { Double($0) }
            if let kilobytes = number { return kilobytes * 1024 }
        }
    }
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, pageSize > 0 else { return 8 * 1024 * 1024 * 1024 }
    return Double(pages) * Double(pageSize)
}

/// The process's virtual size and data size in pages (/proc/self/statm), or zero when unknown.
private func processPages() -> (virtual: Double, data: Double) {
    guard let text = try? readWholeFile("/proc/self/statm", limit: 4096, allowFIFO: false) else { return (0, 0) }
    let fields = String(decoding: text, as: UTF8.self).split(separator: " ").compactMap { Double($0) }
    guard fields.count >= 6 else { return (0, 0) }
    return (fields[0], fields[5])
}

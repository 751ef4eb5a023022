import RNNCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be written; the file that was there (if any) is unchanged.
public enum WriteFailure: Error, Equatable, Sendable {
    /// A directory, a device, a FIFO, a socket: `save` replaces regular files only.
    case notARegularFile(kind: String)
    /// The file has no write permission (e.g. mode 0444): it is not overwritten.
    case readOnly(mode: String)
    /// Ctrl-C during the write: the temporary file was removed.
    case interrupted
    /// The link chain is too long or loops.
    case symlinkLoop
    case system(String)
}

/// What an atomic write replaced.
public struct WrittenFile: Equatable, Sendable {
    /// The path written (a symbolic link's target).
    public var path: String
    /// Other names (hard links) the replaced file had: they still name the old contents, since
    /// the new file is a new inode renamed over this name.
    public var otherLinks: Int
}

/// Writes `data` to `path` the way careful editors save (see the other `writeAtomically`).
@discardableResult
public func writeAtomically(_ data: [UInt8], to path: String, shouldStop: @escaping () -> Bool = { false },
                            write: @escaping (Int32, UnsafeRawBufferPointer) -> Int = { Glibc.write($0, $1.baseAddress, $1.count) })
    throws(WriteFailure) -> WrittenFile {
    try writeAtomically(to: path, shouldStop: shouldStop, write: write) { (file) throws(WriteFailure) in
        var failure: WriteFailure?
        data.withUnsafeBytes { buffer in
            do throws(WriteFailure) {
                try file.append(buffer)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}

/// The temporary file of an atomic write, open for its contents (a class: writers that keep
/// it, as the checkpoint's JSON writer does, append to the same file).
public final class AtomicWriteFile {
    fileprivate let descriptor: Int32
    fileprivate let shouldStop: () -> Bool
    fileprivate let write: (Int32, UnsafeRawBufferPointer) -> Int
    /// Bytes written so far.
    public private(set) var count = 0
    private var sinceCheck = 0

    fileprivate init(descriptor: Int32, shouldStop: @escaping () -> Bool, write: @escaping (Int32, UnsafeRawBufferPointer) -> Int) {
        self.descriptor = descriptor
        self.shouldStop = shouldStop
        self.write = write
    }

    /// Appends bytes, asking `shouldStop` every 8 MB.
    public func append(_ buffer: UnsafeRawBufferPointer) throws(WriteFailure) {
        var offset = 0
        while offset < buffer.count {
            let chunk = min(buffer.count - offset, 1 << 20)
            let written = write(descriptor, UnsafeRawBufferPointer(rebasing: buffer[offset ..< offset + chunk]))
            if written < 0 {
                if errno == EINTR && !shouldStop() { continue }
                throw errno == EINTR ? .interrupted : .system(String(cString: strerror(errno)))
            }
            if written == 0 { throw .system("nothing could be written (is the disk full?)") }
            offset += written
            count += written
            sinceCheck += written
            if sinceCheck >= 8 << 20 {
                sinceCheck = 0
                if shouldStop() { throw .interrupted }
            }
        }
    }

    /// Appends a text's UTF-8 bytes (without copying them).
    public func append(_ text: String) throws(WriteFailure) {
        var text = text
        var failure: WriteFailure?
        text.withUTF8 { bytes in
            do throws(WriteFailure) {
                try append(UnsafeRawBufferPointer(bytes))
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}

/// Writes a file to `path` the way careful editors save: a crash, a full disk, Ctrl-C or a
/// SIGTERM never leaves half a file in place of a good one, and nothing that is not a plain,
/// writable file is replaced.
///
/// - A symbolic link is followed to its target (through chains of links; a dangling link names
///   the file to create), and the target is replaced, in its own folder: the link stays a link.
/// - The target, if it exists, must be a regular file with write permission (as root too).
/// - The new file gets the old one's permissions without set-user-ID, set-group-ID and sticky
///   bits (a new file: 0666 less the umask), and the old owner when the process may set it.
/// - The bytes go to a temporary file beside the target (`.rnnrepl-save-XXXXXX`), flushed to
///   disk, then renamed over the target (atomic within a file system). The temporary file is
///   removed on every failure, on Ctrl-C (`shouldStop`, asked between chunks), and by the
///   executable's SIGINT/SIGTERM/SIGHUP handlers (`removePendingTemporaryFile`).
/// - A target with other names (hard links) is replaced all the same, and the result says how
///   many names still hold the old contents. Editors that keep such links (vim's
///   backupcopy=auto) write over the file in place, which gives up the guarantee above; emacs,
///   and vim with backupcopy=no, rename as this does. The caller tells the user.
///
/// `contents` writes the bytes as it makes them (a big checkpoint is never held whole in
/// memory as text); `write` does the writing (tests make it fail).
@discardableResult
public func writeAtomically(to path: String, shouldStop: @escaping () -> Bool = { false },
                            write: @escaping (Int32, UnsafeRawBufferPointer) -> Int = { Glibc.write($0, $1.baseAddress, $1.count) },
                            contents: (AtomicWriteFile) throws(WriteFailure) -> Void) throws(WriteFailure) -> WrittenFile {
    let target = try resolveSymbolicLinks(path)
    var status = stat()
    var mode: mode_t
    var owner: (uid_t, gid_t)?
    var otherLinks = 0
    if lstat(target, &status) == 0 {
        otherLinks = max(0, Int(status.st_nlink) - 1)
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else { throw .notARegularFile(kind: fileKind(kind)) }
        mode = status.st_mode & 0o777
        guard mode & 0o222 != 0 else { throw .readOnly(mode: "0" + String(mode, radix: 8)) }
        guard access(target, W_OK) == 0 else { throw .system(String(cString: strerror(errno))) }
        owner = (status.st_uid, status.st_gid)
    } else if errno == ENOENT {
        let mask = umask(0)
        umask(mask)
        mode = 0o666 & ~mask
    } else {
        throw .system(String(cString: strerror(errno)))
    }

    let folder = directory(containing: target)
    // The name is registered for the signal handlers *before* the file exists (then created
    // with O_EXCL, as mkstemp does), so a signal at any moment finds it to remove.
    var descriptor: Int32 = -1
    var temporary = ""
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    var generator = SystemRandomNumberGenerator()
    for _ in 0 ..< 100 {
        temporary = folder + "/.rnnrepl-save-" + String((0 ..< 6).map { _ in letters.randomElement(using: &generator)! })
        setPendingTemporaryFile(temporary)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 || errno != EEXIST { break }
    }
    defer { clearPendingTemporaryFile() }
    guard descriptor >= 0 else { throw .system(String(cString: strerror(errno))) }

    var failure: WriteFailure?
    let file = AtomicWriteFile(descriptor: descriptor, shouldStop: shouldStop, write: write)
    do throws(WriteFailure) {
        try contents(file)
    } catch {
        failure = error
    }
    if failure == nil && fchmod(descriptor, mode) != 0 { failure = .system(String(cString: strerror(errno))) }
    if failure == nil, let (uid, gid) = owner, uid != getuid() || gid != getgid() {
        _ = fchown(descriptor, uid, gid)  // keeps the owner when allowed (root); otherwise the saver owns it
    }
    if failure == nil && fsync(descriptor) != 0 { failure = .system(String(cString: strerror(errno))) }
    if close(descriptor) != 0 && failure == nil { failure = .system(String(cString: strerror(errno))) }
    if failure == nil && shouldStop() { failure = .interrupted }
    if failure == nil && rename(temporary, target) != 0 { failure = .system(String(cString: strerror(errno))) }
    if let failure {
        unlink(temporary)
        throw failure
    }
    // The rename itself reaches the disk when the folder is flushed.
    let folderDescriptor = open(folder, O_RDONLY | O_CLOEXEC)
    if folderDescriptor >= 0 {
        fsync(folderDescriptor)
        close(folderDescriptor)
    }
    return WrittenFile(path: target, otherLinks: otherLinks)
}

/// Why `writeAtomically` would refuse or fail to write `path`, checked without writing: a
/// target that is not a regular file or is read-only, a missing or unwritable folder. nil when
/// it can be written (as far as can be known before writing).
public func writabilityProblem(_ path: String) -> WriteFailure? {
    let target: String
    do {
        target = try resolveSymbolicLinks(path)
    } catch {
        return error
    }
    var status = stat()
    if lstat(target, &status) == 0 {
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else { return .notARegularFile(kind: fileKind(kind)) }
        let mode = status.st_mode & 0o777
        guard mode & 0o222 != 0 else { return .readOnly(mode: "0" + String(mode, radix: 8)) }
        guard access(target, W_OK) == 0 else { return .system(String(cString: strerror(errno))) }
        return nil
    }
    guard errno == ENOENT else { return .system(String(cString: strerror(errno))) }
    let folder = directory(containing: target)
    guard stat(folder, &status) == 0 else { return .system("its folder '\(folder)': " + String(cString: strerror(errno))) }
    guard status.st_mode & S_IFMT == S_IFDIR else { return .system("'\(folder)' is not a folder") }
    guard access(folder, W_OK | X_OK) == 0 else {
        return .system("its folder '\(folder)' cannot be written: " + String(cString: strerror(errno)))
    }
    return nil
}

/// `path` with every symbolic link along the chain at its end followed (at most 40), relative
/// targets taken from the link's folder. A dangling link gives the path it points to.
func resolveSymbolicLinks(_ path: String) throws(WriteFailure) -> String {
    var current = path
    for _ in 0 ..< 40 {
        var status = stat()
        guard lstat(current, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return current }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(current, &buffer, buffer.count - 1)
        guard length >= 0 else { throw .system(String(cString: strerror(errno))) }
        let target = String(decoding: buffer[0 ..< length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        current = target.hasPrefix("/") ? target : directory(containing: current) + "/" + target
    }
    throw .symlinkLoop
}

// MARK: - The temporary file a signal handler must remove

/// The path of the temporary file being written, as a C string a signal handler can pass to
/// `unlink` (async-signal-safe): fixed storage, allocated before any handler is installed.
nonisolated(unsafe) private let pendingPath: UnsafeMutablePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(PATH_MAX) + 1)
    buffer.initialize(repeating: 0, count: Int(PATH_MAX) + 1)
    return buffer
}()
private let pendingIsSet = Atomic<Int>(0)

/// Allocates the storage the handlers use; call once before installing them.
public func prepareTemporaryFileCleanup() {
    _ = pendingPath
    _ = pendingIsSet.load(ordering: .relaxed)
}

private func setPendingTemporaryFile(_ path: String) {
    let bytes = Array(path.utf8.prefix(Int(PATH_MAX)))
    pendingIsSet.store(0, ordering: .sequentiallyConsistent)
    for (index, byte) in bytes.enumerated() { pendingPath[index] = CChar(bitPattern: byte) }
    pendingPath[bytes.count] = 0
    pendingIsSet.store(1, ordering: .sequentiallyConsistent)
}

private func clearPendingTemporaryFile() {
    pendingIsSet.store(0, ordering: .sequentiallyConsistent)
}

/// Removes the temporary file of a save in progress, if there is one. Async-signal-safe: the
/// executable's handlers for a second Ctrl-C, SIGTERM and SIGHUP call it before exiting.
public func removePendingTemporaryFile() {
    if pendingIsSet.exchange(0, ordering: .sequentiallyConsistent) == 1 {
        unlink(pendingPath)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A few threads kept for the life of a model, that run the tasks of one parallel loop at a
/// time: `run(n) { i in … }` calls the body for i = 0…n−1 on the calling thread and the
/// workers, and returns when all are done.
///
/// Which thread runs a task is left to chance (each takes the next undone index), so a task
/// must compute its own outputs from its inputs alone: the network gives each task whole output
/// tiles or whole streams, every sum in a fixed order, and the numbers then do not depend on
/// the number of threads or on how the tasks fell.
///
/// Idle workers spin briefly, then sleep on a condition variable, so a loaded machine loses
/// little to waiting (unlike runtimes that spin for milliseconds). Workers block the signals
/// the program handles (SIGINT, SIGTERM, SIGHUP), so those always reach the main thread.
public final class ThreadPool: @unchecked Sendable {
    /// The threads that share the work (the caller's and the workers'). Fewer than asked for
    /// when the system refuses to start more (its limit on processes): the numbers are the
    /// same for any count, so the pool works with what it got.
    public private(set) var threadCount: Int

    private var workers: [pthread_t] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    // The loop being run, read and written only under `mutex`.
    nonisolated(unsafe) private var jobGeneration = 0
    nonisolated(unsafe) private var jobBody: ((Int) -> Void)?
    nonisolated(unsafe) private var jobCount = 0
    nonisolated(unsafe) private var jobNext = 0
    nonisolated(unsafe) private var stopping = false
    /// Mirrors for spinning without the lock: the generation published, the tasks not finished.
    private let published = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)

    /// The number of processors online (at least 1).
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public init(threads: Int) {
        threadCount = max(1, threads)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for _ in 1 ..< threadCount {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            let created = pthread_create(&thread, nil, { context in
                let pool = Unmanaged<ThreadPool>.fromOpaque(context!).takeUnretainedValue()
                blockHandledSignalsOnThisThread()
                pool.work()
                return nil
            }, context)
            guard created == 0 else { break }
            workers.append(thread)
        }
        threadCount = workers.count + 1
    }

    deinit {
        pthread_mutex_lock(mutex)
        stopping = true
        jobGeneration += 1
        published.store(jobGeneration, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for worker in workers { pthread_join(worker, nil) }
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        wake.deallocate()
    }

    /// Calls `body(i)` for i in 0..<count, spread over the threads; returns when every call has.
    public func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count == 1 {
            for i in 0 ..< count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(mutex)
            jobGeneration += 1
            let generation = jobGeneration
            jobBody = body
            jobCount = count
            jobNext = 0
            remaining.store(count, ordering: .sequentiallyConsistent)
            published.store(generation, ordering: .sequentiallyConsistent)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
            takeTasks(of: generation)
            // The tasks other threads took are running now: wait for them briefly.
            var spins = 0
            while remaining.load(ordering: .sequentiallyConsistent) > 0 {
                spins += 1
                if spins > 2000 { sched_yield() }
            }
            pthread_mutex_lock(mutex)
            jobBody = nil
            pthread_mutex_unlock(mutex)
        }
    }

    /// Runs tasks of loop `generation` until none is left to take.
    private func takeTasks(of generation: Int) {
        while true {
            pthread_mutex_lock(mutex)
            guard jobGeneration == generation, jobNext < jobCount, let body = jobBody else {
                pthread_mutex_unlock(mutex)
                return
            }
            let index = jobNext
            jobNext += 1
            pthread_mutex_unlock(mutex)
            body(index)
            _ = consume body
            remaining.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// A worker's life: wait for a new loop (spinning a little, then sleeping), take its tasks.
    private func work() {
        var seen = 0
        while true {
            var spins = 0
            while published.load(ordering: .sequentiallyConsistent) == seen && spins < 20_000 { spins += 1 }
            pthread_mutex_lock(mutex)
            while jobGeneration == seen && !stopping { pthread_cond_wait(wake, mutex) }
            let generation = jobGeneration, stop = stopping
            pthread_mutex_unlock(mutex)
            if stop { return }
            seen = generation
            takeTasks(of: generation)
        }
    }
}

/// Blocks the signals the program handles (SIGINT, SIGTERM, SIGHUP) on the calling thread, so
/// that they always reach the main thread: for worker threads (the pool's, a regex matcher's).
public func blockHandledSignalsOnThisThread() {
    var signals = sigset_t()
    sigemptyset(&signals)
    for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
    pthread_sigmask(SIG_BLOCK, &signals, nil)
}

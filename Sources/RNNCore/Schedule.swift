#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The learning rate as a function of the step number, so that a run is reproducible from its
/// settings alone (and a restored run continues on the same curve):
///
///     warm-up (step s ≤ W):   lr_s = lr·s/W
///     then, with u = s − W:
///       constant:  lr_s = lr
///       cosine:    lr_s = floor + (lr − floor)·(1 + cos(π·min(1, u/D)))/2     (D = decay-steps)
///       step:      lr_s = max(floor, lr·factor^⌊u/D⌋)
///
/// With W = 0 and `constant`, lr_s = lr: what every lesson uses.
public struct LearningRateSchedule: Equatable, Sendable {
    public enum Decay: String, CaseIterable, Sendable {
        case constant, cosine, step
    }

    /// W, steps of linear warm-up (0: none).
    public var warmup = 0
    public var decay = Decay.constant
    /// D: cosine reaches the floor after D steps; step decay multiplies by `factor` every D steps.
    public var decaySteps = 0
    /// The step decay's factor (0 < factor ≤ 1).
    public var factor = 0.5
    /// The lowest rate the decay goes to.
    public var floor = 0.0

    public init() {}

    /// Whether the rate never changes.
    public var isConstant: Bool { warmup == 0 && (decay == .constant || decaySteps == 0) }

    /// The rate for step s (1 for the first step) when the base rate is `lr`.
    public func rate(at step: Int, base lr: Double) -> Double {
        if warmup > 0 && step <= warmup { return lr * Double(step) / Double(warmup) }
        let u = step - warmup
        guard decaySteps > 0 else { return lr }
        switch decay {
        case .constant:
            return lr
        case .cosine:
            let progress = min(1, Double(u) / Double(decaySteps))
            return floor + (lr - floor) * (1 + cos(Double.pi * progress)) / 2
        case .step:
            return max(floor, lr * power(factor, u / decaySteps))
        }
    }
}

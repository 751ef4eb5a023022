import RNNCore

// The matrices of a checkpoint (parameters, gradients, the optimizer's memories): checked
// against the model's layout and turned into the flat buffers a session keeps. The rest of the
// validation is CheckpointValidation.swift.

extension CheckpointFile {
    /// A flat buffer from tensors by name, each checked against the layout; nil when `tensors`
    /// is empty and `optional`; an empty buffer when not `building` (the checks alone, for
    /// `save`). What the program can write there: finite values; with `nonNegative`, none
    /// below zero (the string says why); with `zero`, only zeros (an optimizer's memory before
    /// its first update).
    ///
    /// Every shape is checked before the buffer is allocated (so the buffer is never larger
    /// than what the file already holds, whatever its settings claim), every value before it
    /// is copied, and each tensor is removed from `tensors` once copied, so a big model is not
    /// held twice. The values are scanned eight at a time and copied in bulk: a model of
    /// millions of parameters is checked in milliseconds.
    static func flatten(_ tensors: inout [String: CheckpointTensor], layout: ParameterLayout, field: String, optional: Bool = false,
                        naming: CheckpointNaming = .json, building: Bool = true, nonNegative: String? = nil,
                        zero: Bool = false) throws(CheckpointProblem) -> [Double]? {
        if tensors.isEmpty && optional { return nil }
        for entry in layout.entries {
            let name = naming.matrix(field, entry.name)
            guard let tensor = tensors[entry.name] else { throw naming.missing(name, detail: "it is missing") }
            guard tensor.rows == entry.rows && tensor.columns == entry.columns else {
                throw .wrongShape(name: name, expected: "\(entry.rows)×\(entry.columns)", found: "\(tensor.rows)×\(tensor.columns)")
            }
        }
        if let extra = tensors.keys.sorted().first(where: { layout.entry(named: $0) == nil }) {
            throw .missingOrWrong(field: naming.matrix(field, extra),
                                  detail: "the \(layout.names.joined(separator: ", ")) model has no such parameter")
        }
        for entry in layout.entries {
            let name = naming.matrix(field, entry.name)
            func place(_ offset: Int) -> String { "\(name)[\(offset / entry.columns), \(offset % entry.columns)]" }
            try tensors[entry.name]!.values.withUnsafeBufferPointer { (values) throws(CheckpointProblem) in
                if firstIndex(in: values, where: { any(($0 - $0) .!= 0) }) != nil { throw .nonFinite(name: name) }
                if let nonNegative, let offset = firstIndex(in: values, where: { any($0 .< 0) }) {
                    throw .badState("\(place(offset)) is \(values[offset]), but \(nonNegative)")
                }
                if zero, let offset = firstIndex(in: values, where: { any($0 .!= 0) }) {
                    throw .badState("\(place(offset)) is \(values[offset]), but optimizer.updates is 0: the memory is zero "
                        + "before the first update")
                }
            }
        }
        guard building else { return [] }
        return [Double](unsafeUninitializedCapacity: layout.count) { flat, initialized in
            for entry in layout.entries {
                let tensor = tensors.removeValue(forKey: entry.name)!
                tensor.values.withUnsafeBufferPointer { values in
                    _ = UnsafeMutableBufferPointer(rebasing: flat[entry.range]).initialize(fromContentsOf: values)
                }
            }
            initialized = layout.count
        }
    }

    /// The first index of `values` whose group of eight satisfies `test` and which satisfies
    /// it on its own (the groups are vectors; the few values past the last whole group are
    /// tested as a group padded with their last value).
    static func firstIndex(in values: UnsafeBufferPointer<Double>, where test: (SIMD8<Double>) -> Bool) -> Int? {
        guard let base = values.baseAddress, !values.isEmpty else { return nil }
        func group(_ start: Int) -> SIMD8<Double> {
            if start + 8 <= values.count { return UnsafeRawPointer(base + start).loadUnaligned(as: SIMD8<Double>.self) }
            var vector = SIMD8<Double>(repeating: values[values.count - 1])
            for i in start ..< values.count { vector[i - start] = values[i] }
            return vector
        }
        var start = 0
        while start < values.count {
            if test(group(start)) {
                for i in start ..< min(start + 8, values.count) where test(SIMD8(repeating: values[i])) { return i }
            }
            start += 8
        }
        return nil
    }
}

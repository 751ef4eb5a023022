/// Golden transcripts: a lesson's standard output, byte for byte, kept next to it so that any
/// change to a printed number is noticed.
public enum Golden {
    /// `lessons/03-bptt.rnn` → `lessons/expected/03-bptt.txt`.
    public static func expectedPath(forScript path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) + "/" } ?? ""
        var name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if name.hasSuffix(".rnn") { name.removeLast(4) }
        return folder + "expected/" + name + ".txt"
    }

    /// Runs a script the way `--check` does: plain ASCII, no pauses, timing kept out of the
    /// transcript (it goes to standard error), relative paths from the script's folder. With a
    /// `page`, the same output is also recorded there, in a section of its own (the transcript
    /// is the same either way).
    public static func transcript(of source: String, fileName: String, baseDirectory: String,
                                  recordingOn page: PageRecording? = nil) -> (outcome: RunOutcome, output: String, errors: String) {
        var session = Session()
        session.baseDirectory = baseDirectory
        let capturing = CapturingConsole()
        var console: Console = capturing
        if let page {
            page.beginSection(fileName)
            console = HTMLConsole(showingOn: capturing, recordingOn: page)
        }
        let outcome = Runner.run(source, fileName: fileName, session: &session, console: console)
        return (outcome, capturing.output, capturing.errors)
    }

    /// A unified diff of two texts by lines (empty when they are equal), with `context` lines
    /// around each change.
    public static func diff(expected: String, actual: String, expectedName: String, actualName: String, context: Int = 2) -> String {
        guard expected != actual else { return "" }
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let edits = lineEdits(old, new)

        var output = "--- \(expectedName)\n+++ \(actualName)\n"
        // Group edits into hunks: changes plus `context` unchanged lines on each side.
        var index = 0
        while index < edits.count {
            guard edits[index].kind != .same else { index += 1; continue }
            var start = index
            var back = 0
            while start > 0 && back < context && edits[start - 1].kind == .same { start -= 1; back += 1 }
            // Extend over changes separated by at most 2·context unchanged lines.
            var end = index, lastChange = index
            while end < edits.count {
                if edits[end].kind != .same {
                    lastChange = end
                } else if end - lastChange > 2 * context {
                    break
                }
                end += 1
            }
            end = min(edits.count, lastChange + 1 + context)
            let first = edits[start]
            output += "@@ expected line \(first.oldLine + 1), actual line \(first.newLine + 1) @@\n"
            for edit in edits[start ..< end] {
                switch edit.kind {
                case .same: output += " " + edit.text + "\n"
                case .removed: output += "-" + edit.text + "\n"
                case .added: output += "+" + edit.text + "\n"
                }
            }
            index = end
        }
        return output
    }

    struct Edit {
        enum Kind { case same, removed, added }
        var kind: Kind
        var text: String
        /// Index of the line in the old and new text where this edit stands.
        var oldLine: Int
        var newLine: Int
    }

    /// The shortest edit script by longest common subsequence (O(n·m), fine for transcripts).
    static func lineEdits(_ old: [String], _ new: [String]) -> [Edit] {
        let n = old.count, m = new.count
        var table = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = old[i] == new[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var edits: [Edit] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && old[i] == new[j] {
                edits.append(Edit(kind: .same, text: old[i], oldLine: i, newLine: j))
                i += 1; j += 1
            } else if i < n && (j == m || table[i + 1][j] >= table[i][j + 1]) {
                edits.append(Edit(kind: .removed, text: old[i], oldLine: i, newLine: j))  // removals first, as diff does
                i += 1
            } else {
                edits.append(Edit(kind: .added, text: new[j], oldLine: i, newLine: j))
                j += 1
            }
        }
        return edits
    }
}

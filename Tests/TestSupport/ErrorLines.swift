// Helpers shared by the test targets (never part of the program).

/// Error reports with their wrapped message lines joined again (a continuation line starts with
/// four spaces and then text; the excerpt's gutter lines start with spaces and a line number or
/// '|'), so that tests can look for a message whatever the width it was wrapped at.
public func joiningWrappedErrorLines(_ errors: String) -> String {
    var lines: [Substring] = []
    for line in errors.split(separator: "\n", omittingEmptySubsequences: false) {
        let rest = line.drop(while: { $0 == " " })
        let isGutter = rest.hasPrefix("|") || (rest.first?.isNumber == true && rest.drop(while: \.isNumber).hasPrefix(" | "))
        if line.hasPrefix("    "), !rest.isEmpty, !isGutter, let last = lines.last {
            lines[lines.count - 1] = last + " " + rest
        } else {
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n")
}

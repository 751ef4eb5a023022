import Testing
@testable import RNNRendering

/// `formatHighlight` and `formatScatter` against golden strings: ASCII (pipes, transcripts),
/// Unicode without colour, and colour.
@Suite struct HighlightTests {
    /// Values from −1 to +1 over two lines: each glyph is the seventh of the range its value falls in.
    static let diverging = HighlightedText(scalars: Array("ab (c)\nd".unicodeScalars),
                                           values: [-1, -0.5, -0.1, 0.2, 0.6, 0.95, 1, 0.3], scale: .diverging(bound: 1))
    static let sequential = HighlightedText(scalars: Array("xy\tz".unicodeScalars), values: [nil, 0.05, 0.5, 1.0],
                                            scale: .sequential(upper: 1), marks: [false, true, true, false],
                                            marksMeaning: "the matches", missingMeaning: "the first character")

    @Test func divergingShadesUnderEachLineInASCII() {
        #expect(formatHighlight(Self.diverging, width: 40) == """
          ab (c)$
          =- '+##

          d
          '

          scale: = below -0.71, - to -0.43,
            . to -0.14, blank to 0.14,
            ' to 0.43, + to 0.71, # above
          $ is a line break

        """)
    }

    @Test func sequentialShadesWithMarksAndAMissingValue() {
        #expect(formatHighlight(Self.sequential, width: 40) == """
          xy>z
           .+@
           ^^

          scale: . below 0.11, : to 0.22,
            - to 0.33, = to 0.44, + to 0.56,
            * to 0.67, # to 0.78, % to 0.89,
            @ to 1
          > is a tab; ^ marks the matches; no
            shade: the first character

        """)
    }

    @Test func unicodeWithoutColourUsesEighthBlocks() {
        #expect(formatHighlight(Self.sequential, width: 40, style: TextStyle(unicode: true, color: false)) == """
          xy→z
           ▁▅█
           ^^

          scale: ▁ below 0.12, ▂ to 0.25,
            ▃ to 0.38, ▄ to 0.5, ▅ to 0.62,
            ▆ to 0.75, ▇ to 0.88, █ to 1
          → is a tab; ^ marks the matches; no
            shade: the first character

        """)
    }

    @Test func colourPaintsBackgroundsAndLeavesOutTheShadeLines() {
        let e = "\u{1B}["
        #expect(formatHighlight(Self.sequential, width: 40, style: .terminal) == "  x\(e)38;5;16;48;5;230my\(e)0m\(e)38;5;16;48;5;215m→\(e)0m"
            + "\(e)38;5;16;48;5;202mz\(e)0m\n   ^^\n\n  scale: \(e)48;5;230m  \(e)0m to 0.2, \(e)48;5;222m  \(e)0m to 0.4,\n"
            + "    \(e)48;5;215m  \(e)0m to 0.6, \(e)48;5;209m  \(e)0m to 0.8, \(e)48;5;202m  \(e)0m to 1\n"
            + "  → is a tab; ^ marks the matches; no\n    colour: the first character\n")
        // Diverging: blue below 0, red above, by |value| in fifths; a dark blue gets white text.
        let pair = HighlightedText(scalars: ["a", "b"], values: [-0.5, 0.6], scale: .diverging(bound: 1))
        #expect(formatHighlight(pair, width: 100, style: .terminal).hasPrefix("  \(e)38;5;16;48;5;69ma\(e)0m\(e)38;5;16;48;5;210mb\(e)0m\n"))
        #expect(paintBackground("x", value: -1, scale: .diverging(bound: 1), style: .terminal) == "\(e)38;5;15;48;5;21mx\(e)0m")
        #expect(paintBackground("x", value: 0.05, scale: .diverging(bound: 1), style: .terminal) == "x")
    }

    /// A line longer than the page wraps; a wide character takes two columns and two shades.
    @Test func longLinesWrapAndWideCharactersKeepTheColumns() {
        let text = HighlightedText(scalars: Array("abcdefghijklmn東z".unicodeScalars), values: (0 ..< 16).map { Double($0) / 15 },
                                   scale: .sequential(upper: 1))
        let lines = formatHighlight(text, width: 12).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(Array(lines.prefix(5)) == ["  abcdefghij", "  ..::-==++*", "", "  klmn東z", "  ##%%@@@"])
        #expect(lines.prefix(5).allSatisfy { displayColumns($0) <= 12 })
    }

    /// The scale of an LSTM's c is its largest |c|.
    @Test func anUnboundedScaleEndsAtItsBound() {
        let text = HighlightedText(scalars: ["a", "b", "c"], values: [-4, 0, 3.9], scale: .diverging(bound: 4))
        #expect(formatHighlight(text, width: 100).hasPrefix("  abc\n  = #\n\n  scale: = below -2.9, - to -1.7, . to -0.57, blank to 0.57,"))
    }
}

@Suite struct ScatterTests {
    static let points = [ScatterPoint(x: 0, y: 0, label: "a"), ScatterPoint(x: 1, y: 1, label: " "),
                         ScatterPoint(x: 2, y: -1, label: "\n"), ScatterPoint(x: 2, y: -1, label: "b"),
                         ScatterPoint(x: 0.5, y: 0.5, label: "東")]
    static let options = ScatterOptions(width: 20, height: 5, xLabel: "PC1 (60.0%)", yLabel: "PC2 (30.0%)", pageWidth: 40)

    @Test func pointsAreDrawnAsTheirCharactersInASCII() {
        #expect(formatScatter(Self.points, options: Self.options) == """
        PC2 (30.0%)
         1.0 +          _
         0.5 +     ?
         0.0 +a
        -0.5 +
        -1.0 +                   b
             ++------------------+
              0                  2
              PC1 (60.0%)
              _ is a space, ? is a character
                that does not show or is two
                columns wide
              1 of 5 points falls on a place
                taken by an earlier one (the
                later one is drawn)

        """)
    }

    @Test func onATerminalPointsAreColouredByTime() {
        let e = "\u{1B}["
        let output = formatScatter(Self.points, options: ScatterOptions(width: 20, height: 5, xLabel: "PC1", yLabel: "PC2", pageWidth: 40),
                                   style: .terminal)
        #expect(output.hasPrefix("PC2\n 1.0 ┤          \(e)38;5;30m␣\(e)0m\n 0.5 ┤     \(e)31m?\(e)0m\n 0.0 ┤\(e)34ma\(e)0m\n"))
        #expect(output.contains("     └┬──────────────────┬\n"))
        #expect(output.contains("colour: blue early in the text,\n        green in the middle, red late\n"))
    }

    @Test func nothingFiniteIsSaidSo() {
        #expect(formatScatter([ScatterPoint(x: .nan, y: 0, label: "a")]) == "(nothing to plot: no point has finite coordinates)\n")
    }
}

import Foundation
import Testing
@testable import RNNRendering

/// Each renderer against a golden string, in ASCII (files, pipes) and Unicode (terminals).
@Suite struct MatrixFormatterTests {
    static let square = LabeledMatrix(name: "W_hh", rows: 3, columns: 3, values: [0.01, 0, -0.5, 0, 0.01, 0.25, 1.5, -0.125, 0.01])

    @Test func alignedColumnsUnderAShapeHeader() {
        #expect(formatMatrix(Self.square) == """
        W_hh  3x3
                 0        1        2
        0   0.0100   0.0000  -0.5000
        1   0.0000   0.0100   0.2500
        2   1.5000  -0.1250   0.0100

        """)
    }

    @Test func characterLabelsOnColumns() {
        let matrix = LabeledMatrix(name: "W_hy", rows: 2, columns: 3, values: [0.1, -0.2, 0.3, 0.0004, 0.5, -0.6],
                                   columnLabels: ["'\\n'", "' '", "'a'"], note: "columns: characters")
        #expect(formatMatrix(matrix) == #"""
        W_hy  2x3  (columns: characters)
              '\n'      ' '      'a'
        0   0.1000  -0.2000   0.3000
        1   0.0004   0.5000  -0.6000

        """#)
    }

    static let big = LabeledMatrix(name: "W_xh", rows: 20, columns: 30, values: (0 ..< 600).map { Double($0) / 1000 })
    static let elided = MatrixFormatOptions(precision: 3, maxRows: 8, edgeItems: 2, width: 60)

    @Test func largeMatricesAreElidedInASCII() {
        #expect(formatMatrix(Self.big, options: Self.elided) == """
        W_xh  20x30
                0      1      2    ...     27     28     29
        0   0.000  0.001  0.002    ...  0.027  0.028  0.029
        1   0.030  0.031  0.032    ...  0.057  0.058  0.059
        :       :      :      :      :      :      :      :
        18  0.540  0.541  0.542    ...  0.567  0.568  0.569
        19  0.570  0.571  0.572    ...  0.597  0.598  0.599

        """)
    }

    @Test func largeMatricesAreElidedInUnicode() {
        #expect(formatMatrix(Self.big, options: Self.elided, style: .terminal) == """
        W_xh  20×30
                0      1      2      …     27     28     29
        0   0.000  0.001  0.002      …  0.027  0.028  0.029
        1   0.030  0.031  0.032      …  0.057  0.058  0.059
        ⋮       ⋮      ⋮      ⋮      ⋮      ⋮      ⋮      ⋮
        18  0.540  0.541  0.542      …  0.567  0.568  0.569
        19  0.570  0.571  0.572      …  0.597  0.598  0.599

        """)
    }

    /// An ellipsis stands for two or more rows or columns, never for one it could have shown.
    @Test(arguments: [(6, 16, 3, 6), (7, 6, 3, 7), (8, 6, 3, 7), (17, 16, 3, 7), (16, 16, 3, 16), (5, 4, 2, 5), (6, 4, 2, 5)])
    func elisionHidesAtLeastTwo(count: Int, limit: Int, edge: Int, shown: Int) {
        let indices = visibleIndices(count: count, limit: limit, edge: edge)
        #expect(indices.count == shown)
        #expect(indices.contains(nil) == (shown < count))
        if indices.contains(nil) { #expect(count - (indices.count - 1) >= 2) }
    }

    @Test func tinyValuesSwitchToScientific() {
        let tiny = LabeledMatrix(name: "dW", rows: 1, columns: 3, values: [1e-7, -2e-8, 0])
        #expect(formatMatrix(tiny) == """
        dW  1x3
                    0           1           2
        0   1.000e-07  -2.000e-08   0.000e+00

        """)
    }

    @Test func statistics() {
        #expect(formatStatistics(name: "W", rows: 2, columns: 2, values: [1, -1, 3, 0]) == """
        W  2x2  statistics
          entries 4  (1 zero)
          mean    0.75
          std     1.47902
          min     -1
          max     3
          norm    3.31662

        """)
    }

    @Test(arguments: [("a", "'a'"), ("\n", "'\\n'"), (" ", "' '"), ("\u{7}", "U+0007"), ("'", "'\\''"), ("\\", "'\\\\'"), ("é", "'é'")])
    func characterLabels(character: String, label: String) {
        #expect(characterLabel(character.unicodeScalars.first!) == label)
    }
}

@Suite struct HeatmapTests {
    @Test func signedValuesShowSignAndMagnitude() {
        #expect(formatHeatmap(MatrixFormatterTests.square) == """
        W_hh  3x3  heatmap
          range [-0.5, 1.5]: each cell is a sign (+/-) and ' .:-=+*#%@' for |value| from 0 to 1.5
          0
        0     --
        1     +:
        2 +@-.

        """)
    }

    static let positive = LabeledMatrix(name: "p", rows: 2, columns: 4, values: [0.1, 0.2, 0.3, 0.4, 0.7, 0.1, 0.1, 0.1],
                                        rowLabels: ["'a'", "'b'"])

    @Test func nonNegativeValuesUseTheRampAlone() {
        #expect(formatHeatmap(Self.positive) == """
        p  2x4  heatmap
          range [0.1, 0.7]: ' .:-=+*#%@' from 0 to 0.7
            0
        'a' .-=+
        'b' @...

        """)
    }

    @Test func unicodeShadesWithoutColour() {
        #expect(formatHeatmap(Self.positive, style: TextStyle(unicode: true, color: false)) == """
        p  2×4  heatmap
          range [0.1, 0.7]: ' ░▒▓█' from 0 to 0.7
            0
        'a' ░░▒▒
        'b' █░░░

        """)
    }

    @Test func colourUsesBackgroundBlocks() {
        let text = formatHeatmap(Self.positive, style: .terminal)
        #expect(text.contains("\u{1B}[48;5;196m  \u{1B}[0m"))  // the largest value, darkest red
    }

    /// Text as it shows on a screen: colour escapes removed.
    static func visible(_ text: String) -> String {
        var plain = "", inEscape = false
        for character in text {
            if inEscape { inEscape = !(character.isLetter) } else if character == "\u{1B}" { inEscape = true } else { plain.append(character) }
        }
        return plain
    }

    /// At 30 columns the legend wrapped inside "1.5]" (by the terminal): it now wraps between
    /// its pieces, and every line fits.
    @Test(arguments: [TextStyle.plain, TextStyle(unicode: true, color: false), .terminal])
    func theLegendFitsTheWidthAndKeepsNumbersWhole(style: TextStyle) {
        let matrix = LabeledMatrix(name: "W_hh", rows: 3, columns: 3, values: [0.01, 0, -0.523, 0, 0.01, 0.25, 1.5, -0.125, 0.01])
        for width in [24, 30, 40, 60] {
            let text = Self.visible(formatHeatmap(matrix, width: width, style: style))
            let lines = text.split(separator: "\n")
            #expect(lines.allSatisfy { displayColumns($0) <= width }, "\(text)")
            #expect(lines.contains { $0.contains("[-0.523, 1.5]:") }, "\(text)")
            #expect(lines.contains { $0.contains(" 1.5") || $0.contains("(max 1.5)") }, "\(text)")
            if !style.color { #expect(lines.contains { $0.contains("'\(String(style.unicode ? shadeRamp : asciiRamp))'") }, "\(text)") }
        }
    }

    /// Near-zero values had background 255 (a white block on a dark terminal): they have none.
    @Test func nearZeroHasNoBackground() {
        let matrix = LabeledMatrix(name: "M", rows: 1, columns: 4, values: [0.001, -0.001, 0, 1])
        let text = formatHeatmap(matrix, style: .terminal)
        #expect(!text.contains("48;5;255"), "\(text)")
        let row = text.split(separator: "\n").last!
        #expect(row.hasPrefix("0       \u{1B}[48;5;196m  "), "three cells without background, then the darkest red: \(row)")
    }

    @Test func bigMatricesAreAveragedToFit() {
        let wide = LabeledMatrix(name: "W", rows: 2, columns: 300, values: (0 ..< 600).map { Double($0 % 300) })
        let text = formatHeatmap(wide, width: 100)
        #expect(text.hasPrefix("W  2x300  heatmap  (each cell shows the largest |value| of 1x4 entries)\n"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }
}

@Suite struct LinePlotTests {
    @Test func twoSeriesWithAxesTicksAndLegend() {
        let plot = formatLinePlot([PlotSeries(name: "up", values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
                                   PlotSeries(name: "down", values: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1])],
                                  options: LinePlotOptions(title: "two lines", width: 20, height: 6, xLabel: "step"))
        #expect(plot == """
        two lines
        10 +o                 **
         8 + oooo         ****
         6 +     ooooo****
         4 +     *****oooo
         2 + ****         oooo
         0 +*                 oo
           ++------------------+
            1                 10
            step    * up   o down

        """, "where the series cross, the later one (down) is drawn on top; no '@' hides which is which")
    }

    @Test func logScaleInASCII() {
        #expect(formatLinePlot([PlotSeries(name: "decay", values: [1000, 100, 10, 1, 0.1])],
                               options: LinePlotOptions(width: 16, height: 5, logScale: true)) == """
        1000 +**
         100 +  ****
          10 +      ****
           1 +          ***
         0.1 +             ***
             ++--------------+
              1              5
              * decay   (log scale)

        """)
    }

    @Test func brailleOnATerminal() {
        #expect(formatLinePlot([PlotSeries(name: "decay", values: [1000, 100, 10, 1, 0.1])],
                               options: LinePlotOptions(width: 16, height: 5, logScale: true),
                               style: TextStyle(unicode: true, color: false)) == """
        1000 ┤⠑⠢⣀
         100 ┤   ⠉⠢⢄
          10 ┤      ⠉⠒⢄⡀
           1 ┤         ⠈⠑⠢⣀
         0.1 ┤             ⠑⠢⢄
             └┬──────────────┬
              1              5
              ⣿ decay   (log scale)

        """)
    }

    @Test func severalSeriesGetTheirOwnMarkersOnATerminal() {
        // Braille dots carry no marker: on a terminal several series are cells with a marker of
        // their own (and a colour), with or without colour.
        #expect(formatLinePlot([PlotSeries(name: "up", values: [1, 2, 3, 4]), PlotSeries(name: "down", values: [4, 3, 2, 1])],
                               options: LinePlotOptions(width: 8, height: 4),
                               style: TextStyle(unicode: true, color: false)) == """
        4 ┤○     ●●
        3 ┤ ○○○●●
        2 ┤ ●●●○○
        1 ┤●     ○○
          └┬─┬────┬
           1 2    4
           ● up   ○ down

        """)
        let coloured = formatLinePlot([PlotSeries(name: "up", values: [1, 2, 3, 4]), PlotSeries(name: "down", values: [4, 3, 2, 1])],
                                      options: LinePlotOptions(width: 8, height: 4), style: .terminal)
        #expect(coloured.contains("\u{1B}[34m●\u{1B}[0m") && coloured.contains("\u{1B}[31m○\u{1B}[0m"), "blue and red, never yellow")
        #expect(!coloured.contains("\u{1B}[33m"))
    }

    @Test func noMarkerIsAnAxisCharacter() {
        let series = (0 ..< 12).map { k in PlotSeries(name: "s\(k)", values: [Double(k), Double(k + 1)]) }
        let plot = formatLinePlot(series, options: LinePlotOptions(width: 20, height: 10))
        let body = plot.split(separator: "\n").prefix(10).map { $0.drop { $0 != "|" && $0 != "+" }.dropFirst() }
        #expect(body.allSatisfy { !$0.contains("+") && !$0.contains("|") && !$0.contains("@") })
        #expect(plot.contains("* s0   o s1   x s2   # s3   % s4   & s5   = s6   $ s7   ~ s8   ^ s9   ? s10   v s11"), "\(plot)")
    }

    /// Nine series used to give the ninth the first one's marker, silently.
    @Test(arguments: [9, 12])
    func everySeriesHasItsOwnMarkerUpToTwelve(count: Int) {
        let series = (0 ..< count).map { k in PlotSeries(name: "s\(k)", values: [Double(k), Double(k + 1)]) }
        for style in [TextStyle.plain, TextStyle(unicode: true, color: false)] {
            let plot = formatLinePlot(series, options: LinePlotOptions(width: 30, height: 12), style: style)
            let legend = plot.split(separator: "\n").last { $0.contains("s0") }!
            let keys = legend.split(separator: " ").enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            #expect(keys.count == count && Set(keys).count == count, "\(legend)")
            #expect(!plot.contains("share") && !plot.contains("markers:"))
        }
    }

    /// More series than markers: the plot says which share one, and on a terminal those differ
    /// in colour.
    @Test func sharedMarkersAreNamed() {
        let series = (0 ..< 14).map { k in PlotSeries(name: "s\(k)", values: [Double(k), Double(k + 1)]) }
        let plot = formatLinePlot(series, options: LinePlotOptions(width: 90, height: 12))
        #expect(plot.contains("14 series, 12 markers: * is 's0' and 's12'; o is 's1' and 's13'\n"), "\(plot)")
        #expect(seriesColor(0, markerCount: 12) != seriesColor(12, markerCount: 12))
        #expect(seriesColor(1, markerCount: 12) != seriesColor(13, markerCount: 12))
    }

    /// Bold and grey were series colours: neither reads as a colour on a projector. Six series
    /// get six visible colours, none of them yellow, grey or bold.
    @Test func seriesColoursAreDistinctAndVisible() {
        let series = (0 ..< 6).map { k in PlotSeries(name: "s\(k)", values: [Double(k), Double(k + 1)]) }
        let plot = formatLinePlot(series, options: LinePlotOptions(width: 30, height: 12), style: .terminal)
        let codes = Set(plot.split(separator: "\u{1B}").compactMap { $0.hasPrefix("[") && !$0.hasPrefix("[0m") ? $0.prefix { $0 != "m" } : nil })
        #expect(codes.count == 6, "\(codes)")
        #expect(codes.isDisjoint(with: ["[1", "[2", "[33", "[90", "[36"]), "\(codes)")
    }

    /// Any finite input: extremes that overflow a difference, subnormal numbers, a single value.
    @Test(arguments: [[-1e308, 1e308], [Double.leastNonzeroMagnitude], [Double.leastNonzeroMagnitude, 2 * Double.leastNonzeroMagnitude],
                      [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 0], [1e-300, 1e300], [0, 0, 0],
                      [-Double.leastNonzeroMagnitude, Double.leastNonzeroMagnitude], [1, 1 + 1e-15]] as [[Double]])
    func anyFiniteValuesArePlotted(values: [Double]) {
        for logScale in [false, true] {
            for style in [TextStyle.plain, .terminal] {
                let plot = formatLinePlot([PlotSeries(name: "v", values: values), PlotSeries(name: "w", values: values.reversed())],
                                          options: LinePlotOptions(width: 30, height: 6, logScale: logScale), style: style)
                #expect(plot.contains("v"), "\(plot)")
            }
        }
        let ticks = niceTicks(values.min()!, values.max()!)
        #expect(ticks.allSatisfy { $0.isFinite })
    }

    /// Every label of the y axis, by row, of a plot's text.
    static func yLabels(_ plot: String, height: Int) -> [(row: Int, label: String)] {
        plot.split(separator: "\n", omittingEmptySubsequences: false).prefix(height).enumerated().compactMap { row, line in
            guard let axis = line.firstIndex(where: { $0 == "+" || $0 == "┤" }) else { return nil }
            let label = line[..<axis].trimmingCharacters(in: .whitespaces)
            return label.isEmpty ? nil : (row, label)
        }
    }

    /// Heights and ranges that gave labels 2, 2, 1, 1, 2 rows apart: the number of ticks now
    /// follows the height, and the labels are evenly spaced rows.
    @Test(arguments: [(14, 0.8, 5.5), (12, 1.05, 6.8), (12, 0.9, 3.4), (10, 0.0, 1.0), (8, 0.24, 2.1), (20, -3.0, 17.0),
                      (6, 20.0, 160.0), (14, 1e-5, 3e-5), (9, 123.0, 456.0), (5, 1.0, 1000.0), (13, -1e300, 1e300)])
    func yTicksAreEvenlySpacedRows(height: Int, low: Double, high: Double) {
        let values = (0 ... 40).map { low + (high - low) * Double($0) / 40 }
        for logScale in low > 0 ? [false, true] : [false] {
            let plot = formatLinePlot([PlotSeries(name: "v", values: values)],
                                      options: LinePlotOptions(width: 40, height: height, logScale: logScale))
            let labels = Self.yLabels(plot, height: height)
            #expect(labels.count >= min(3, height / 2), "\(plot)")
            let gaps = zip(labels.dropFirst(), labels).map { $0.row - $1.row }
            #expect(Set(gaps).count <= 1, "uneven: \(gaps)\n\(plot)")
            // Every point is on the plot, none clipped.
            #expect(!plot.contains("clipped"), "\(plot)")
        }
    }

    /// Values at the ends of the doubles gave a log tick of "inf" (10^309) or "0" (10^−324);
    /// no plot shows inf or nan, and a log axis never shows 0.
    @Test(arguments: [[Double.greatestFiniteMagnitude, 1e308], [Double.leastNonzeroMagnitude, 1], [Double.leastNonzeroMagnitude, 1e308],
                      [Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude], [-1e308, 1e308], [2 * Double.leastNonzeroMagnitude, 4 * Double.leastNonzeroMagnitude],
                      [Double.greatestFiniteMagnitude], [Double.leastNonzeroMagnitude], [-Double.greatestFiniteMagnitude, 0]] as [[Double]])
    func extremeValuesNeverGiveInfiniteOrZeroTicks(values: [Double]) {
        for logScale in [false, true] {
            for height in [3, 7, 14] {
                for style in [TextStyle.plain, .terminal] {
                    let plot = formatLinePlot([PlotSeries(name: "v", values: values + values.reversed()),
                                               PlotSeries(name: "w", values: values)],
                                              options: LinePlotOptions(width: 30, height: height, logScale: logScale), style: style)
                    #expect(!plot.contains("inf") && !plot.contains("nan"), "\(plot)")
                    if logScale && values.contains(where: { $0 > 0 }) {
                        let labels = Self.yLabels(plot, height: height).map(\.label)
                        #expect(!labels.isEmpty && !labels.contains("0"), "\(plot)")
                    }
                }
            }
        }
    }

    /// A log scale cannot show 0 or negative values: the plot says what it left out.
    @Test func whatALogScaleCannotShowIsStated() {
        let plot = formatLinePlot([PlotSeries(name: "v", values: [0, 1, 10, -2, 100])],
                                  options: LinePlotOptions(width: 60, height: 6, logScale: true, yMin: 0))
        #expect(plot.contains("2 values <= 0 are left out (a log scale shows values above 0 only)"), "\(plot)")
        #expect(plot.contains("ymin=0 is ignored: a log scale shows values above 0 only"), "\(plot)")
        let clean = formatLinePlot([PlotSeries(name: "v", values: [1, 10, 100])], options: LinePlotOptions(width: 30, height: 6, logScale: true))
        #expect(!clean.contains("left out") && !clean.contains("ignored"))
    }

    @Test func clippedAxesSayWhatWentBeyond() {
        let plot = formatLinePlot([PlotSeries(name: "good", values: [50, 40, 30, 20]),
                                   PlotSeries(name: "diverged", values: [50, 80, 120, 160])],
                                  options: LinePlotOptions(width: 60, height: 6, yMax: 60))
        #expect(plot.contains("y axis clipped: 'diverged' rises to 160 (drawn along the top)"), "\(plot)")
        #expect(plot.hasPrefix("60 +"))
    }

    @Test func anyWidthAndHeight() {
        let values = (0 ..< 500).map { Double($0 % 37) }
        for (width, height) in [(10, 3), (40, 8), (90, 20)] {
            let lines = formatLinePlot([PlotSeries(name: "v", values: values)],
                                       options: LinePlotOptions(width: width, height: height)).split(separator: "\n")
            #expect(lines.count == height + 3)
            #expect(lines.allSatisfy { $0.count <= width + 12 })
        }
    }

    @Test func nothingToPlot() {
        #expect(formatLinePlot([PlotSeries(name: "empty", values: [])]) == "(nothing to plot yet)\n")
    }

    @Test(arguments: [(0.0, 100.0, [0.0, 20, 40, 60, 80, 100]), (2.9, 98.0, [0.0, 20, 40, 60, 80, 100]),
                      (0.013, 0.0171, [0.013, 0.014, 0.015, 0.016, 0.017, 0.018]), (5.0, 5.0, [4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6])])
    func niceTickValues(low: Double, high: Double, ticks: [Double]) {
        let computed = niceTicks(low, high)
        #expect(computed.count == ticks.count)
        for (a, b) in zip(computed, ticks) { #expect(abs(a - b) < 1e-12) }
    }
}

@Suite struct BarAndProgressTests {
    @Test func barsScaledToTheLargest() {
        #expect(formatBarChart([Bar(label: "'e'", value: 0.5), Bar(label: "' '", value: 0.25), Bar(label: "'\\n'", value: 0.125)],
                               title: "next after 'th'", width: 16) == #"""
        next after 'th'
        'e'   0.500  ################
        ' '   0.250  ########
        '\n'  0.125  ####

        """#)
    }

    @Test func unicodeBarsUseEighthBlocks() {
        #expect(formatBarChart([Bar(label: "a", value: 1), Bar(label: "b", value: 0.35)], width: 10,
                               style: TextStyle(unicode: true, color: false)) == """
        a  1.000  ██████████
        b  0.350  ███▌

        """)
    }

    /// Cyan bars faded on a white projector screen: bars are blue, like the first series of a plot.
    @Test func barsAreBlueOnATerminal() {
        let text = formatBarChart([Bar(label: "a", value: 1)], width: 4, style: .terminal)
        #expect(text.contains("\u{1B}[34m████\u{1B}[0m") && !text.contains("\u{1B}[36m"), "\(text)")
    }

    @Test func progressLikeTqdm() {
        // Losses per character; three columns are left free (the last one, and two for "^C").
        #expect(formatProgress(ProgressState(done: 420, total: 1000, elapsed: 3.0, loss: 1.45211, smoothLoss: 1.7431))
            == " 42%|#######            | 420/1000 [00:03<00:04, 140 steps/s, loss 1.452/char, smooth 1.743/char]")
        #expect(formatProgress(ProgressState(done: 421, total: 1000, elapsed: 3.0, loss: 1.45211, smoothLoss: 1.7431),
                               width: 80, style: .terminal)
            == " 42%|███████▌          | 421/1000 [00:03<00:04, 140 steps/s, loss 1.452/char]")
        // At 70 columns the bar would be shorter than 10 cells with the loss too: it goes next.
        #expect(formatProgress(ProgressState(done: 421, total: 1000, elapsed: 3.0, loss: 1.45211, smoothLoss: 1.7431),
                               width: 70, style: .terminal)
            == " 42%|██████████              | 421/1000 [00:03<00:04, 140 steps/s]")
        #expect(formatProgress(ProgressState(done: 0, total: 10, elapsed: 0)) == "  0%|                        | 0/10 [00:00<?, 0.0 steps/s]")
    }

    /// Redrawn in place, the bar must never wrap: at any width it fits, dropping the least
    /// important fields first, down to the percentage and the count.
    @Test(arguments: [200, 100, 80, 60, 40, 30, 20])
    func progressFitsTheWidth(width: Int) {
        let state = ProgressState(done: 123_456, total: 9_223_372_036_854_775_807, elapsed: 5000, loss: 123.456,
                                  smoothLoss: 130.1)
        for style in [TextStyle.plain, .terminal] {
            let line = formatProgress(state, width: width, style: style)
            #expect(line.count <= width - 3, "leaves the last column and room for ^C: \(line)")
            #expect(line.contains("123456/9223372036854775807") || width < 40)
        }
        #expect(formatProgress(state, width: 70).hasSuffix("[1:23:20, >99h left]"))
    }

    /// A rate below one step a second and a huge remaining count: the time left overflows
    /// every integer, and is shown as more than 99 hours.
    @Test func progressWithAnAstronomicalRemainingTime() {
        let state = ProgressState(done: 1, total: Int.max, elapsed: 2)
        let line = formatProgress(state, width: 100)
        #expect(line.contains("[00:02, >99h left, 0.5 steps/s]") && !line.contains("<>"), "\(line)")
        #expect(NumberFormat.duration(1e300) == "2.78e+296 h")
    }

    /// Any finite numbers in the state: no inf or nan, and the line still fits.
    @Test(arguments: [Double.leastNonzeroMagnitude, 1e308, 0, 3.5])
    func progressWithExtremeNumbers(elapsed: Double) {
        for (loss, smooth) in [(1e308, -1e308), (Double.leastNonzeroMagnitude, 0)] {
            for duration in [nil, Double.leastNonzeroMagnitude, 1e308] as [Double?] {
                let state = ProgressState(done: 7, total: Int.max, elapsed: elapsed, loss: loss, smoothLoss: smooth,
                                          duration: duration, validationLoss: loss)
                let line = formatProgress(state, width: 120)
                #expect(!line.contains("inf") && !line.contains("nan") && line.count <= 117, "\(line)")
            }
        }
    }

    @Test func tables() {
        #expect(formatTable(header: ["name", "value"], rows: [["lr", "0.1"], ["hidden", "75"]], rightAligned: [1]) == """
        name    value
        lr        0.1
        hidden     75

        """)
    }

    @Test func aTablesLastColumnWrapsUnderItself() {
        let rows = [["seq", "20", "T, characters per training window (BPTT length)"], ["lr", "0.01", "learning rate"]]
        #expect(formatTable(header: ["setting", "value", "meaning"], rows: rows, width: 40) == """
        setting  value  meaning
        seq      20     T, characters per
                        training window (BPTT
                        length)
        lr       0.01   learning rate

        """)
        // Too little room to wrap usefully: the line stays whole.
        #expect(formatTable(header: ["a", "b"], rows: [["x", "one two three"]], width: 8).split(separator: "\n").count == 2)
    }
}

@Suite struct TextStyleTests {
    @Test func mathSymbolsAreSpeltInASCII() {
        #expect(TextStyle.plain.text("a_t = x_t·W_xh − h ⊙ g; ‖∂L/∂h‖ ≈ 1e-6 ≤ σ²; 0.5⋅Q ± 1")
            == "a_t = x_t@W_xh - h .* g; ||dL/dh|| ~ 1e-6 <= sigma^2; 0.5*Q +/- 1")
        // Greek words are text, not symbols; a pair of symbols is still spelt out.
        #expect(TextStyle.plain.text("Καλημέρα, ‖Δθ‖") == "Καλημέρα, ||delta_theta||")
        // The root of a bare name or number is bracketed (not "sqrtn"); of a bracket, left alone.
        #expect(TextStyle.plain.text("±lr/√n, √2.5⋅x, √(v + ε)") == "+/-lr/sqrt(n), sqrt(2.5)*x, sqrt(v + eps)")
        #expect(TextStyle.terminal.text("x·W ≈ 1") == "x·W ≈ 1")
    }

    @Test func colourOnlyWhenAsked() {
        #expect(TextStyle.plain.paint("error:", .red) == "error:")
        #expect(TextStyle.terminal.paint("error:", .red) == "\u{1B}[31merror:\u{1B}[0m")
    }

    @Test(arguments: [(3.14159, 2, "3.14"), (-0.00001, 3, "0.000"), (2.5, 0, "2"), (1e20, 1, "1.00e+20"), (123456.5, 1, "123456.5")])
    func fixedFormatting(x: Double, decimals: Int, text: String) {
        #expect(NumberFormat.fixed(x, decimals: decimals) == text)
    }

    @Test func otherFormats() {
        #expect(NumberFormat.scientific(12345, digits: 2) == "1.23e+04")
        #expect(NumberFormat.general(0.000015) == "1.5e-05")
        #expect(NumberFormat.grouped(1_234_567) == "1,234,567")
        #expect(NumberFormat.grouped(-1000) == "-1,000")
        #expect(NumberFormat.duration(0.5) == "0.50 s")
        #expect(NumberFormat.duration(245) == "4 min 05 s")
        #expect(NumberFormat.rate(123_456) == "123.5k")
        #expect(NumberFormat.fixed(.nan, decimals: 2) == "nan")
    }
}

import Foundation
import Testing
import TestSupport
@testable import RNNRendering

/// Shaded texts and scatter plots on a page: the terminal's colours, axes and stand-ins.
@Suite struct HTMLAnalysisTests {
    @Test(arguments: [(16, "#000000"), (21, "#0000ff"), (27, "#005fff"), (196, "#ff0000"), (224, "#ffd7d7"), (231, "#ffffff"),
                      (232, "#080808"), (255, "#eeeeee"), (1, "#cd0000"), (15, "#ffffff")])
    func xtermColours(code: Int, rgb: String) {
        #expect(xtermColor(code) == rgb)
    }

    static let shaded = HighlightedText(scalars: Array("a<b\n&c\u{7}".unicodeScalars), values: [-1, -0.05, 0.5, 1, nil, 0.2, 0.9],
                                        scale: .diverging(bound: 1), marks: [false, false, true, false, false, false, false],
                                        marksMeaning: "a match", missingMeaning: "nothing predicts it")

    /// Each character on the terminal's background (black text, white on the darkest blues),
    /// its value in its tooltip; a line break drawn as ↵ then broken; no value, no colour.
    @Test func aShadedTextIsColouredCharacters() throws {
        let html = highlightHTML(Self.shaded)
        let text = try #require(pageText(html))
        #expect(html.contains("<span class=\"ch\" style=\"background:#0000ff;color:#ffffff\" title=\"-1\">a</span>"))
        #expect(html.contains("<span class=\"ch\" title=\"-0.05\">&lt;</span>"))  // under a tenth of the bound: no colour
        #expect(html.contains("<span class=\"ch mark\" style=\"background:" + xtermColor(backgroundCode(0.5, scale: .diverging(bound: 1))!)
            + ";color:#000000\" title=\"0.5\">b</span>"))
        #expect(html.contains("title=\"1\">↵</span>\n&amp;"))  // the value after the line break; no value for '&'
        #expect(html.contains(">?</span>"))  // the bell, drawn as the terminal's stand-in
        #expect(text.contains("scale: −1, −0.8, −0.6, −0.4, −0.2, none near 0, 0.2, 0.4, 0.6, 0.8, 1"))
        #expect(text.contains("↵ is a line break; ? is a character that does not show; underlined: a match; no colour: nothing predicts it"))
    }

    @Test func aSequentialScaleListsItsFiveShades() throws {
        let probabilities = HighlightedText(scalars: Array("ab".unicodeScalars), values: [nil, 0.7], scale: .sequential(upper: 1))
        let html = highlightHTML(probabilities)
        #expect(try #require(pageText(html)).contains("scale: to 0.2, to 0.4, to 0.6, to 0.8, to 1"))
        #expect(html.contains("style=\"background:" + xtermColor(sequentialBackgrounds[3]) + ";color:#000000\" title=\"0.7\">b</span>"))
        #expect(html.components(separatedBy: "class=\"swatch\"").count - 1 == 5)
    }

    static let points: [ScatterPoint] = Array("the <cat>\n sat".unicodeScalars).enumerated().map { index, scalar in
        ScatterPoint(x: Double(index % 5) - 2, y: sin(Double(index)), label: scalar)
    }

    /// The terminal's tick labels, every point as its character (stand-ins for a space and a line
    /// break) coloured by time, and the notes.
    @Test func aScatterPlotHasTheTerminalsAxesAndEveryPoint() throws {
        let layout = ScatterLayout(height: 12, xLabel: "PC1 (40%)", yLabel: "PC2 (30%)")
        let html = svgScatterPlot(Self.points, layout: layout, pageWidth: 100)
        let text = try #require(pageText(html))
        let terminal = formatScatter(Self.points, options: layout.options(pageWidth: 100))
        let axes = ScatterAxes(Self.points, columns: layout.options(pageWidth: 100).width, rows: 12)!
        for tick in axes.yAxis.ticks {
            let label = axes.yTickLabel(tick)
            #expect(terminal.contains(label + " +") && html.contains(">" + label + "</text>"), "\(label)")
        }
        for tick in axes.xTicks { #expect(html.contains(">" + axes.xTickLabel(tick) + "</text>")) }
        #expect(html.components(separatedBy: "<text class=\"pt ").count - 1 == Self.points.count)
        #expect(html.contains("<text class=\"pt c-blue\"") && html.contains("<text class=\"pt c-red\""))
        #expect(html.contains(">&lt;</text>") && html.contains(">␣</text>") && html.contains(">↵</text>"))
        #expect(text.contains("␣ is a space, ↵ is a line break"))
        #expect(text.contains("PC2 (30%)") && text.contains("PC1 (40%)"))
        #expect(svgScatterPlot([ScatterPoint(x: .nan, y: 1, label: "a")], layout: layout, pageWidth: 100)
            .contains("(nothing to plot: no point has finite coordinates)"))
    }

    /// The terminal renders the new blocks as the formatters do (the transcripts are unchanged).
    @Test func theTerminalRendersTheBlocksAsBefore() {
        let layout = ScatterLayout(width: 30, height: 8, xLabel: "x")
        for context in [RenderContext.transcript, RenderContext(style: .terminal, width: 60)] {
            #expect(renderText(.highlight(Self.shaded), context: context) == formatHighlight(Self.shaded, width: context.width, style: context.style))
            #expect(renderText(.scatter(Self.points, layout), context: context)
                == formatScatter(Self.points, options: ScatterOptions(width: 30, height: 8, xLabel: "x", pageWidth: context.width),
                                 style: context.style))
        }
        #expect(ScatterLayout(height: 8).options(pageWidth: 100).width == PlotLayout.defaultWidth(pageWidth: 100))
    }
}

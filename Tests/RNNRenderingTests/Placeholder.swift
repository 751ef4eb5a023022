import Testing
import Foundation
@testable import RNNRendering

@Test func preview() {
    let m = LabeledMatrix(name: "W_hh", rows: 4, columns: 4, values: [0.01,0,0,0, 0,0.01,0,-0.002, 0,0,0.01,0, 0.5,0,0,0.01])
    print(formatMatrix(m))
    print(formatHeatmap(m))
    print(formatHeatmap(m, style: .terminal))
    let big = LabeledMatrix(name: "W_xh", rows: 30, columns: 40, values: (0..<1200).map { sin(Double($0)) * 0.01 }, rowLabels: (0..<30).map { characterLabel(Unicode.Scalar(97 + $0 % 26)!) })
    print(formatMatrix(big, options: .init(width: 80)))
    print(formatHeatmap(big))
    let loss: [Double] = (0..<500).map { (i: Int) -> Double in let x = Double(i); let a: Double = 80 * exp(-x / 150); return a + 10 + 8 * sin(x * 1.7) }
    var s = 80.0; let smooth = loss.map { s = 0.98 * s + 0.02 * $0; return s }
    print(formatLinePlot([PlotSeries(name: "raw", values: loss), PlotSeries(name: "smooth", values: smooth)], options: .init(title: "loss", xLabel: "step")))
    print(formatLinePlot([PlotSeries(name: "raw", values: loss), PlotSeries(name: "smooth", values: smooth)], options: .init(title: "loss", logScale: true), style: .terminal))
    print(formatBarChart([Bar(label: "'t'", value: 0.612), Bar(label: "'r'", value: 0.201), Bar(label: "'\\n'", value: 0.0123)], title: "next after \"the ca\""))
    print(formatBarChart([Bar(label: "'t'", value: 0.612), Bar(label: "'r'", value: 0.201)], style: .terminal))
    print(formatProgress(ProgressState(done: 420, total: 1000, elapsed: 3.2, loss: 45.2109, smoothLoss: 52.3)))
    print(formatProgress(ProgressState(done: 421, total: 1000, elapsed: 3.2, loss: 45.2109, smoothLoss: 52.3), style: .terminal))
    print(formatStatistics(name: "W_hh", rows: 4, columns: 4, values: m.values))
}

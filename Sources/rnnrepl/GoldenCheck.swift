struct GoldenCheck { let update: Bool; func run(scripts: [String]) -> Int32 { 0 } }

/// The program's version (shown by `--version` and written into checkpoints).
public let rnnreplVersion = "0.2.0"

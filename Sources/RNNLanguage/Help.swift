/// What each command is called, takes and does: the source of `help`, of completion and of
/// "did you mean" for command and option names.
public struct CommandSpec: Sendable {
    public let name: String
    public let aliases: [String]
    public let usage: String
    public let summary: String
    /// Option keys (without `=`).
    public let options: [String]
    /// Fixed words a positional argument may be (completion): `trace`, `stats`, `builtin`, …
    public let keywords: [String]
    public let details: String
    public let example: String
}

public enum Help {
    public static let commands: [CommandSpec] = [
        CommandSpec(name: "load", aliases: [], usage: "load PATH [validation=F] | load builtin NAME [validation=F]",
                    summary: "read a UTF-8 text to train on and show its vocabulary",
                    options: ["validation"], keywords: ["builtin"],
                    details: """
                    The vocabulary is every distinct character, sorted by code point, so index i always \
                    means the same character. Relative paths in a script are relative to the script's \
                    folder. Built-in corpora (written for rnnrepl): \(BuiltinCorpus.names.joined(separator: ", ")). \
                    validation=F (0 < F < 1) holds out the text's last ⌊n⋅F⌋ characters: training never reads \
                    them, 'evaluate' scores them; the vocabulary is still the whole text's. \
                    A model whose vocabulary matches the new text is kept (its position and state restart); \
                    otherwise it is dropped and 'init' is needed. A text may have at most 1 GiB of UTF-8.
                    """,
                    example: "load data/story.txt validation=0.1"),
        CommandSpec(name: "init", aliases: [], usage: "init [key=value …]",
                    summary: "create a model with fresh weights for the loaded text",
                    options: SettingKey.allCases.map(\.rawValue), keywords: [],
                    details: """
                    Keys (defaults follow the article): hidden=75 seq=20 lr=0.01 clip=5 clip-mode=value|norm|off \
                    optimizer=adagrad|sgd|adam seed=1 whh=identity|random|orthogonal scale=0.01 (of W_hh) \
                    sigma=0.01 (σ of W_xh and W_hy) cell=rnn|lstm|gru forget-bias=1 (lstm only). The article's \
                    three bugs can be switched on for study: update=off (never apply the gradients), \
                    zero-grad=off (let them pile up), carry=off (start every window from h = 0, and c = 0). Values set \
                    with 'set' before 'init' are used too.
                    Bigger models: layers=L (layer l's h_t is layer l+1's input; names of layer l end in @l, \
                    e.g. W_hh@2), batch=B (B streams read the text from evenly spaced offsets, each carrying its own \
                    state; the loss is summed over a window and averaged over the streams), dropout=P (on the \
                    connections between layers and into W_hy, never on the recurrent ones; off when evaluating and \
                    sampling), dtype=float64|float32 (float32 computes in single precision, weights and optimizer \
                    stay float64), threads=N|auto (the same numbers for any N), optimizer=rmsprop, and a learning-rate \
                    schedule by steps: warmup=W, decay=constant|cosine|step, decay-steps=D, decay-factor=F, lr-min=R. \
                    With batch=1, layers=1, dtype=float64 the model runs on the teaching cells of the lessons.
                    cell=rnn: h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b_h).
                    cell=lstm (gates in PyTorch's order i, f, g, o): i_t = σ(x_t·W_xi + h_{t−1}·W_hi + b_i), \
                    f_t and o_t alike with σ, g_t alike with tanh; c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t; \
                    h_t = o_t ⊙ tanh(c_t). b_f starts at forget-bias (1: σ(1) ≈ 0.73, mostly remember; 0 is \
                    PyTorch's default); h and c are both carried between windows.
                    cell=gru (PyTorch's form, its z called u here): r_t = σ(x_t·W_xr + h_{t−1}·W_hr + b_r), \
                    u_t alike; n_t = tanh(x_t·W_xn + b_n + r_t ⊙ (h_{t−1}·W_hn + b_hn)); \
                    h_t = (1 − u_t) ⊙ n_t + u_t ⊙ h_{t−1}.
                    Every cell ends z_t = h_t·W_hy + b_y. whh and scale set every recurrent matrix W_h*, \
                    sigma every input matrix W_x* and W_hy; the other biases start at zero.
                    """,
                    example: "init cell=lstm hidden=32 seq=25 forget-bias=1"),
        CommandSpec(name: "set", aliases: [], usage: "set key=value …",
                    summary: "change settings (training ones at once, weight-shaping ones at the next init)",
                    options: SettingKey.allCases.map(\.rawValue), keywords: [],
                    details: """
                    lr, clip, clip-mode, optimizer, seq, update, zero-grad and carry apply to the model at once \
                    (a new optimizer starts with empty memory), as do dropout, threads and the schedule (warmup, \
                    decay, decay-steps, decay-factor, lr-min). cell, hidden, seed, whh, scale, sigma, forget-bias, \
                    layers, batch and dtype shape the model and take effect at the next 'init'. precision=N (digits) and width=N \
                    (characters per line; width=page follows the terminal again) change how values are shown. \
                    set checks only what it changes.
                    """,
                    example: "set lr=0.05 clip-mode=norm precision=3"),
        CommandSpec(name: "config", aliases: [], usage: "config",
                    summary: "show every setting and its value", options: [], keywords: [],
                    details: "Settings marked * take effect at the next 'init'.", example: "config"),
        CommandSpec(name: "step", aliases: [], usage: "step [N] [trace]",
                    summary: "run N training steps (default 1), one line each",
                    options: [], keywords: ["trace"],
                    details: """
                    A step takes the next window of seq characters (inputs) and the characters after them \
                    (targets), runs forward and backward, clips, updates, and carries h into the next window. \
                    When the window would run past the end of the text, it starts again at 0 with h = 0. \
                    'trace' prints every equation of the step with its numbers. In the REPL, Enter on an \
                    empty line repeats the last step.
                    """,
                    example: "step 5"),
        CommandSpec(name: "forward", aliases: [], usage: "forward [trace]",
                    summary: "run the forward pass on the next window without learning",
                    options: [], keywords: ["trace"],
                    details: "Records x, a (or a gated cell's gates), h, z, p and the loss for 'show'; parameters, h and the position stay as they are.",
                    example: "forward trace"),
        CommandSpec(name: "backward", aliases: [], usage: "backward [last] [trace]",
                    summary: "backpropagate through the last forward pass without updating",
                    options: [], keywords: ["last", "trace"],
                    details: """
                    Fills the gradients dW_… (unclipped) and ‖∂L/∂h_t‖ from the last 'forward'. 'last' \
                    differentiates only the last step's loss, so ‖∂L/∂h_t‖ shows how far back one prediction \
                    reaches (vanishing and exploding gradients).
                    """,
                    example: "backward last"),
        CommandSpec(name: "train", aliases: [], usage: "train N|TIME [eval-every=K] [best=PATH] [checkpoint=PATH] [print-every=K] [sample-every=K] [sample-length=N]",
                    summary: "run N steps, or for a time (train 10m), with a progress bar on a terminal",
                    options: ["eval-every", "best", "checkpoint", "sample-every", "print-every", "sample-length"], keywords: [],
                    details: """
                    TIME is a number with s, m, h or d (train 90s, train 10m, train 1.5h): training stops between \
                    two steps once the time is up, as Ctrl-C stops it. On a pipe it prints the loss every \
                    print-every steps (default: ten lines, or every 1000 steps for a time); on a terminal a \
                    progress bar, and lines only with print-every=. eval-every=K evaluates on the held-out text \
                    (load … validation=F) every K steps and at the end, and prints each result; checkpoint=PATH \
                    saves the session at every evaluation, best=PATH whenever the validation loss is the lowest so \
                    far (both checked before training starts, both written atomically). sample-every=K prints a \
                    sample every K steps. Ends with the speed (on standard error). Ctrl-C stops between two steps \
                    and keeps what was learnt.
                    """,
                    example: "train 10m eval-every=500 best=best.json"),
        CommandSpec(name: "show", aliases: [], usage: "show NAME[subscripts] [values|stats|heatmap]",
                    summary: "print a parameter, gradient, memory or recorded value",
                    options: [], keywords: ShowMode.allCases.map(\.rawValue),
                    details: """
                    Names: W_xh W_hh W_hy b_h b_y (lstm: W_xi W_xf W_xg W_xo W_hi W_hf W_hg W_ho W_hy b_i b_f \
                    b_g b_o b_y; gru: W_xr W_xu W_xn W_hr W_hu W_hn W_hy b_r b_u b_n b_hn b_y); gradients dW_xh …; \
                    Adagrad memory (Adam first moment) mW_xh …; Adam second moment vW_xh …; h (the carried \
                    state; c, the LSTM's cell state); from the last window: x (inputs, one-hot), y (targets, \
                    one-hot), a (the vanilla RNN's pre-activations; an LSTM records its gates i f g o and cell \
                    states cs instead, a GRU r u n and hn), hs (hidden states), z (logits), p (probabilities), dhnorm (‖∂L/∂h_t‖); vocab, data (the \
                    next window), loss; and the \
                    numbers step, loss (the window's sum) and loss-per-char, smooth-loss and \
                    smooth-loss-per-char, recent-loss and recent-loss-per-char (mean of the last 100 steps), \
                    perplexity, val-loss, val-perplexity, best-val-loss (held-out text, per character), \
                    unigram-entropy, unigram-val-loss, pointer, grad-norm, grad-check, score (loss per character \
                    of the last score), score-perplexity, params, vocab-size. Subscripts \
                    select like NumPy: W_hh[0:5, 0:5], h[3], W_xh['e'] (rows of W_xh and columns of W_hy, \
                    z and p are characters, and so are the rows of every W_x*). With layers=L the names of \
                    layer l end in @l (W_hh@2, dW_xi@1), and h (c) has a row per layer: h[1, :] is layer 2; \
                    with batch=B, h and the window's records are the first stream's.
                    """,
                    example: "show W_hh[0:4, 0:4] heatmap"),
        CommandSpec(name: "grad-check", aliases: [], usage: "grad-check [NAME] [checks=N] [delta=D] [method=precise|plain] [clipped=on]",
                    summary: "compare backprop's gradient with numerical differentiation",
                    options: ["checks", "delta", "method", "clipped"], keywords: [],
                    details: """
                    On the next window, with clipping off: for each checked entry, analytic (backprop) and \
                    numeric (central differences with step delta, default 1e-5) derivatives and their \
                    relative error |a − n| / max(|a| + |n|, 1e-12). method=precise (default) evaluates the loss \
                    in double-double arithmetic and extrapolates δ and 2δ (Richardson), so the numeric value is \
                    exact to double precision: pass below 1e-6. method=plain is one double-precision central \
                    difference: pass below 1e-4. checks=N samples N entries per parameter (default: all entries \
                    of small parameters, else 5). Rows of input matrices for characters not in the window are \
                    left out: both sides are zero there by construction. clipped=on compares the gradient \
                    clipped as the update would use it (clip and clip-mode), to show that it is no longer ∂L/∂θ.
                    """,
                    example: "grad-check W_hh checks=3"),
        CommandSpec(name: "sample", aliases: [], usage: "sample [N] [temperature=T] [prime=\"text\"] [seed=S]",
                    summary: "generate N characters (default 200) one at a time from the softmax",
                    options: ["temperature", "prime", "seed"], keywords: [],
                    details: """
                    h starts at zero and reads the prime (default: the text's first character); then each drawn \
                    character is fed back in. temperature divides the logits: below 1 is bolder about likely \
                    characters, above 1 more adventurous, 0 always takes the most likely one. Without seed= the \
                    session's own sampling stream is used (different each call, the same every run).
                    """,
                    example: "sample 100 temperature=0.5 prime=\"the \""),
        CommandSpec(name: "score", aliases: [], usage: "score \"text\" | score file=PATH",
                    summary: "the loss and perplexity of a text or a whole file under the model",
                    options: ["file"], keywords: [],
                    details: "From h = 0, every character predicts the next: loss Σ −log p, per character, perplexity exp(loss/n) and bits per character. file=PATH scores a whole file (read like load) without echoing it.",
                    example: "score \"the cat sat\""),
        CommandSpec(name: "evaluate", aliases: [], usage: "evaluate",
                    summary: "the loss per character on the held-out text (load … validation=F)",
                    options: [], keywords: [],
                    details: """
                    The held-out text is read once from its first character with h = 0 (and c = 0), the state \
                    carried through; the loss is the mean over its n − 1 predictions of −ln p(next character), \
                    the same sum as score. Prints it with its perplexity and bits per character, and what a \
                    unigram model (the training text's character frequencies, add-one smoothed, no context) \
                    scores on the same text. val-loss and best-val-loss name the results for show and expect.
                    """,
                    example: "evaluate"),
        CommandSpec(name: "plot", aliases: [], usage: "plot loss|grad-norms|probs|runs|run-norms|states [width=W] [height=H] [log=on] [ymin=A] [ymax=B] [t=T] [top=K] [prime=\"…\"] [temperature=τ] | plot states \"text\"|file=PATH",
                    summary: "draw the loss curve, ‖∂L/∂h_t‖ per step, next-character probabilities, kept runs, or states",
                    options: ["width", "height", "log", "ymin", "ymax", "t", "top", "prime", "temperature", "file", "from", "length"],
                    keywords: PlotKind.allCases.map(\.rawValue),
                    details: """
                    loss: raw and smoothed loss per step (log=on for a log scale). grad-norms: ‖∂L/∂h_t‖ for \
                    each t of the last backward pass. probs: the top-K characters of p_t at step t (default: \
                    the last) of the last window, or with prime="…" the distribution of the character after \
                    that text (h from zero) at the given temperature. runs: the loss curves saved with 'keep', each as a running \
                    mean so that they can be told apart. run-norms: the ‖∂L/∂h_t‖ profiles saved with 'keep', \
                    on a log scale. ymin= and ymax= clip the y axis (a diverging run must not flatten the \
                    others): values beyond are drawn on the edge, and the plot names the series that went \
                    there; on a log scale they must be above 0. Every series has its own marker and colour, \
                    listed in the legend (beyond twelve series the plot names those that share a marker). \
                    Probabilities are \
                    bars on a fixed scale from 0 to 1. states "text" (or file=PATH, from=, length=; at most 2,000 \
                    characters): h_t of the top layer after each character, read from h = 0, projected on its \
                    first two principal components (computed from these states: centred, covariance, \
                    eigenvectors), each point drawn as the character just read, with the share of the variance \
                    each component explains.
                    """,
                    example: "plot loss height=12"),
        CommandSpec(name: "highlight", aliases: [], usage: "highlight NAME[unit] \"text\" | highlight p \"text\" | … file=PATH [from=N] [length=N]",
                    summary: "shade each character of a text by one unit's value after it, or by its probability",
                    options: ["file", "from", "length"], keywords: ["p"],
                    details: """
                    The model reads the text from h = 0 (and c = 0), as score does, and each character is shaded by \
                    the unit's value after reading it. Units: h[j] (every cell), c[j] (lstm), a gate: i f g o \
                    (lstm), r u n (gru); in a model of several layers h@2[j] is layer 2's (@1 is the bottom). \
                    Negative indices count from the end. h and the candidates g and n lie in −1…1 and use a \
                    diverging scale (blue below 0, red above; in plain text = - . below, ' + # above); the σ gates \
                    lie in 0…1 (a sequential scale: .:-=+*#%@); c is unbounded, its scale runs to its largest |c|. \
                    p shades each character by the probability the model gave it before reading it: low is a \
                    surprise. Without colour a line of shades follows each line of text, one per character, and \
                    a legend says what each shade stands for. file=PATH reads a file (like load); from= and \
                    length= choose a part of it (or of the text), read from the zero state at its start; at most \
                    5,000 characters.
                    """,
                    example: "highlight c[7] \"he said \\\"go (now)\\\" and left\""),
        CommandSpec(name: "find-neurons", aliases: [], usage: "find-neurons pattern=REGEX|line-position \"text\" | … file=PATH [from=N] [length=N] [top=K] [show=N]",
                    summary: "the units whose values follow a pattern in the text, strongest first",
                    options: ["pattern", "file", "from", "length", "top", "show"], keywords: [],
                    details: """
                    For every unit (h, and c for an lstm, in every layer) Pearson's r between its value after \
                    each character and a signal: with pattern=REGEX 1 for a character inside a match of the \
                    regular expression and 0 elsewhere (Swift's Regex syntax, as Perl's; ^ and $ match at line \
                    breaks; inside quotes write \\\\ for one backslash, or use a class: [(] for a parenthesis); with \
                    pattern=line-position the number of characters since the last line break. Lists the top K \
                    units (default 10) by |r| and shades the first show=N characters of the text (default 400, \
                    0: none) by the best one, with ^ under the matches. Says so when no unit reaches |r| = 0.3. \
                    The strongest unit's r is kept as neuron-r (for show and expect). \
                    A pattern that matches no character, or every one, is refused. Reads at most 1,000,000 characters (Ctrl-C stops it).
                    """,
                    example: "find-neurons pattern=\"[(][^)]*[)]\" file=data/tune.txt top=5"),
        CommandSpec(name: "saliency", aliases: [], usage: "saliency \"text\" [t=T] | saliency file=PATH [from=N] [length=N] [t=T]",
                    summary: "how much each earlier character moves one prediction: ‖∂ log p_t[y_t] / ∂e_s‖",
                    options: ["t", "file", "from", "length"], keywords: [],
                    details: """
                    From h = 0 the model reads characters 0 … t and predicts character t+1 (y_t); t defaults to \
                    the last prediction of the text. For each s ≤ t, the gradient of log p_t[y_t] with respect \
                    to e_s = x_s·W_x, the rows of the first layer's input matrices (every gate's) that x_s \
                    picks at step s, as backpropagation through time computes it from that one loss term. Shown over the text \
                    (darker: the prediction depends more on that character) and as a bar per character (the \
                    last 40). At most 1,000 characters.
                    """,
                    example: "saliency \"she said (very quietly)\" t=21"),
        CommandSpec(name: "keep", aliases: [], usage: "keep NAME",
                    summary: "save the loss curve and ‖∂L/∂h_t‖ profile for plot runs / run-norms",
                    options: [], keywords: [],
                    details: "To compare settings: train, keep a name, init differently, train, keep another name, then 'plot runs'. Keeping a name again replaces it.",
                    example: "keep adagrad"),
        CommandSpec(name: "forget", aliases: [], usage: "forget [NAME]",
                    summary: "drop a kept run (without a name: all of them)",
                    options: [], keywords: [],
                    details: "To start a new comparison with 'keep' and 'plot runs' / 'plot run-norms'.",
                    example: "forget adagrad"),
        CommandSpec(name: "save", aliases: [], usage: "save PATH [format=safetensors|json]",
                    summary: "write the whole session to a checkpoint (safetensors; JSON for a name ending in .json)",
                    options: ["format"], keywords: [],
                    details: """
                    Saves the model, its gradients, the optimizer's memory, the carried state (h, and an LSTM's c), the \
                    position in the text, the step count, the smooth loss and loss history, the random generators and \
                    the kept runs, so that 'restore' continues exactly, bit for bit. The text itself is referenced by \
                    path and checksum. Two forms hold the same fields: safetensors (the default), where every matrix \
                    and list of numbers is a float64 tensor named as 'show' names it (W_hh@2, dW_hh@2, mW_hh@2, vW_hh@2, \
                    h, c, loss_history) and everything else a string in its __metadata__ (read by NumPy, PyTorch and \
                    safetensors libraries; fast and compact); and JSON, every number in text (readable, larger, \
                    slower), written for a name ending in .json or with format=json. The file is written to a \
                    temporary name and renamed: an existing checkpoint is never left half-written, even by Ctrl-C or \
                    SIGTERM. A symbolic link is followed to its target; read-only files, directories, devices and FIFOs \
                    are refused. A file with other names (hard links) is replaced all the same, and save says that \
                    the other names keep the previous checkpoint. Settings changed with 'set' that wait for the next \
                    'init' are not saved: the checkpoint holds the model's own. The README describes both layouts.
                    """,
                    example: "save run.safetensors"),
        CommandSpec(name: "restore", aliases: [], usage: "restore PATH [corpus=FILE]",
                    summary: "continue exactly where a checkpoint left off (safetensors or JSON)",
                    options: ["corpus"], keywords: [],
                    details: """
                    Reads either form, told apart by the file's content, not its name (every version saved before \
                    is read). Checks the whole file first (a safetensors header against the file's size and every \
                    tensor's place before a value is read; format, version, dtypes, shapes, finite values, the \
                    vocabulary, the text's checksum) and changes nothing if anything is wrong; the message names the \
                    field or tensor. The text is read again from its path and must be unchanged; corpus=FILE \
                    continues on another text with the same vocabulary.
                    """,
                    example: "restore run.safetensors"),
        CommandSpec(name: "export", aliases: [], usage: "export PATH format=pytorch",
                    summary: "write the weights for PyTorch (a state_dict in safetensors)",
                    options: ["format"], keywords: [],
                    details: """
                    format=pytorch writes the model's weights as the state_dict of a module with rnn = \
                    torch.nn.RNN/LSTM/GRU(V, H, num_layers=L, batch_first=True) and out = torch.nn.Linear(H, V), fed \
                    one-hot characters: rnn.weight_ih_l0 (4H × V for the LSTM, 3H × V for the GRU, H × V for the \
                    RNN), rnn.weight_hh_l0, rnn.bias_ih_l0, \
                    rnn.bias_hh_l0, … for each layer, out.weight (V × H), out.bias. The gates are stacked in PyTorch's \
                    order (LSTM i, f, g, o; GRU r, z, n, where z is u here), every matrix transposed (PyTorch's \
                    weights are out × in), the whole bias in bias_ih and zeros in bias_hh, except the GRU's b_hn, \
                    which is bias_hh's last block. float64 for a float64 model, float32 for a float32 one. The \
                    metadata names the cell, sizes and vocabulary. In Python: \
                    model.load_state_dict(safetensors.torch.load_file(PATH)). Only the weights: to continue \
                    training here, use save.
                    """,
                    example: "export model.safetensors format=pytorch"),
        CommandSpec(name: "echo", aliases: [], usage: "echo \"text\"", summary: "print text",
                    options: [], keywords: [], details: "Words are joined by single spaces; quote text to keep its spacing.",
                    example: "echo \"h_t = tanh(a_t)\""),
        CommandSpec(name: "pause", aliases: [], usage: "pause", summary: "wait for Enter (only when interactive)",
                    options: [], keywords: [], details: "For presenting a lesson one step at a time; scripts fed from a file or pipe do not wait. Ctrl-C at a pause stops the script (back to the prompt with -i or in the REPL).",
                    example: "pause"),
        CommandSpec(name: "expect", aliases: [], usage: "expect NAME ~ VALUE [tol=T] | expect NAME < VALUE",
                    summary: "stop the script unless a number is as expected",
                    options: ["tol"], keywords: [],
                    details: """
                    NAME is a number (loss, smooth-loss, recent-loss, perplexity, step, pointer, grad-norm, \
                    grad-check, score, score-perplexity, neuron-r, params, vocab-size) or one entry of a matrix (W_hh[0, 0], h[3], p[0, 'e']). ≈ (also ~) passes \
                    when |actual − VALUE| ≤ tol (default 1e-6); <, >, <=, >= compare. Lessons use it to check \
                    their own numbers.
                    """,
                    example: "expect loss ≈ 32.958 tol=1e-3"),
        CommandSpec(name: "reset", aliases: [], usage: "reset", summary: "forget the text, the model and all settings",
                    options: [], keywords: [], details: "The session is as at start-up.", example: "reset"),
        CommandSpec(name: "help", aliases: [], usage: "help [COMMAND|grammar|names]", summary: "list commands, or explain one",
                    options: [], keywords: [], details: "", example: "help train"),
        CommandSpec(name: "quit", aliases: ["exit"], usage: "quit", summary: "leave rnnrepl (Ctrl-D too)",
                    options: [], keywords: [], details: "", example: "quit"),
    ]

    /// Every command name and alias.
    public static var commandNames: [String] { commands.flatMap { [$0.name] + $0.aliases } }

    public static func spec(named name: String) -> CommandSpec? {
        commands.first { $0.name == name || $0.aliases.contains(name) }
    }

    public static let grammar = """
    Grammar
      script    = { command ( newline | ";" ) }
      command   = NAME { argument }
      argument  = key "=" value | value | NAME "[" subscript { "," subscript } "]"
      value     = word | "quoted string"
      subscript = INDEX | 'c' | [START] ":" [END]
    # starts a comment. Numbers: 0.1, 1e-3, -2. Strings take \\n \\t \\" \\\\ and \\u{hex}.
    """

    /// `help`: every command with what it does, one line each (usage and options: `help COMMAND`).
    public static func overview() -> String {
        let width = commands.map(\.name.count).max() ?? 0
        var text = "Commands (help COMMAND for its options and an example; help grammar; help names):\n"
        for command in commands {
            text += "  " + command.name.padding(width) + "  " + command.summary + "\n"
        }
        return text + "\n" + grammar + "\n"
    }

    /// `help COMMAND`.
    public static func describe(_ spec: CommandSpec) -> String {
        var text = "\(spec.usage)\n  \(spec.summary)\n"
        if !spec.details.isEmpty { text += wrap(spec.details, width: 76, indent: "  ") }
        if !spec.aliases.isEmpty { text += "  Also: " + spec.aliases.joined(separator: ", ") + "\n" }
        text += "  Example: \(spec.example)\n"
        return text
    }

    /// Greedy word wrap.
    /// Fills each paragraph (a line of `text`) to `width`, every line indented.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n") {
            var line = indent
            for word in paragraph.split(separator: " ") {
                if line.count + word.count + 1 > width && line != indent {
                    lines.append(line)
                    line = indent
                }
                line += (line == indent ? "" : " ") + word
            }
            if line != indent { lines.append(line) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

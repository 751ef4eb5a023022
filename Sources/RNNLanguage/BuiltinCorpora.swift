/// Small texts written for rnnrepl (no one else's words), so lessons run anywhere with
/// `load builtin NAME`. The same texts are in `lessons/data/NAME.txt` (a test keeps them equal).
public enum BuiltinCorpus {
    public static let texts: [(name: String, summary: String, text: String)] = [
        ("hello", "two words, for counting characters by hand", "hello world\n"),
        ("abc", "the alphabet, over and over: every next character is certain", String(repeating: "abcdefghijklmnopqrstuvwxyz\n", count: 20)),
        ("counting", "the numbers one to ten, line after line", String(repeating: "one two three four five six seven eight nine ten\n", count: 24)),
        ("rhyme", "a short nursery rhyme about a cat and a dog", rhyme),
    ]

    public static var names: [String] { texts.map(\.name) }

    public static func text(named name: String) -> String? {
        texts.first { $0.name == name }?.text
    }

    static let rhyme = """
    the cat sat on the mat.
    the dog sat on the log.
    the cat saw the dog, and the dog saw the cat.
    a fat cat and a big dog sat in the sun.
    the sun was hot, so the cat ran to the mat,
    and the dog ran to the log.
    then the rain came down on the mat and the log,
    so the cat and the dog ran in to the fire.
    by the fire the cat sat, and by the fire the dog sat.
    the cat had a nap on the mat by the fire.
    the dog had a nap on the rug by the door.
    when the sun came out, the cat ran out to the mat,
    and the dog ran out to the log.
    the cat sat on the mat and the dog sat on the log,
    and that is the end of the cat and the dog.

    """
}

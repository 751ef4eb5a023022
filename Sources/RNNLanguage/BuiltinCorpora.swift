import RNNCore

/// Small texts written for rnnrepl (no one else's words), so lessons run anywhere with
/// `load builtin NAME`. The same texts are in `lessons/data/NAME.txt` (a test keeps them equal).
public enum BuiltinCorpus {
    public static let texts: [(name: String, summary: String, text: String)] = [
        ("hello", "two words, for counting characters by hand", "hello world\n"),
        ("abc", "the alphabet, over and over: every next character is certain", String(repeating: "abcdefghijklmnopqrstuvwxyz\n", count: 20)),
        ("counting", "the numbers one to ten, line after line", String(repeating: "one two three four five six seven eight nine ten\n", count: 24)),
        ("rhyme", "a short nursery rhyme about a cat and a dog", rhyme),
        ("story", "a longer tale of a boat and a gull, for training runs", story),
        ("recall", "a key letter to repeat 21 characters later, 500 lines: a test of memory", recall),
    ]

    public static var names: [String] { texts.map(\.name) }

    public static func text(named name: String) -> String? {
        texts.first { $0.name == name }?.text
    }

    /// 500 lines "k" + "the quick brown fox " + "?" + "k": only a memory of the line's first
    /// character (a, b, c or d, drawn by the seeded generator) predicts the character after '?'.
    static let recall: String = {
        let keys = ["a", "b", "c", "d"]
        var generator = SeededGenerator(seed: 1)
        var text = ""
        for _ in 0 ..< 500 {
            let key = keys[generator.nextInt(below: keys.count)]
            text += key + "the quick brown fox ?" + key + "\n"
        }
        return text
    }()

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

    static let story = """
    once there was a little boat that lived by the sea.
    every morning the boat went out on the water, and every evening it came back home.
    the boat had a friend, a grey gull who sat on its mast.
    the gull liked the boat because the boat was kind and slow.
    one day the wind came up and the sea turned dark.
    the boat said to the gull, hold on to the mast, my friend.
    the gull held on, and the boat rode the waves up and down, up and down.
    the rain fell on the deck and the wind sang in the ropes.
    the boat was afraid, but it did not stop.
    it looked for the light on the hill, the light that shows the way home.
    at last the boat saw the light, small and yellow in the rain.
    the boat went to the light, slow and steady, wave after wave.
    when the boat came home, the sea was calm again.
    the gull shook the rain from its wings and laughed.
    you are a brave boat, said the gull.
    i am a slow boat, said the boat, but slow is not the same as lost.
    the next morning the sun came up over the water.
    the boat went out on the sea, and the gull sat on its mast,
    and the two friends sang a song about the wind and the rain and the light on the hill.
    the end.

    """
}

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
        ("fables", "nine short fables in plain English, for held-out text and overfitting", fables),
        ("tune", "the syllables la di so with asides in brackets and quoted phrases: structure to track", tune),
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

    /// 100 sentences of the syllables la, di and so, each with an aside in brackets and a quoted
    /// phrase (3 to 8 syllables each, in either order, 1 to 3 syllables around them), joined by
    /// spaces and wrapped at 40 characters a line (at spaces), from the seeded generator. Three
    /// syllables are soon learnt; what is left is structure: which bracket is open, where a line
    /// ends (lesson 11).
    static let tune: String = {
        var generator = SeededGenerator(seed: 11)
        let syllables = ["la", "di", "so"]
        func run(_ low: Int, _ high: Int) -> String {
            let count = low + generator.nextInt(below: high - low + 1)
            return (0 ..< count).map { _ in syllables[generator.nextInt(below: syllables.count)] }.joined(separator: " ")
        }
        var sentences: [String] = []
        for _ in 0 ..< 100 {
            var parts = [run(1, 3)]
            let bracketFirst = generator.nextInt(below: 2) == 0
            for bracket in bracketFirst ? [true, false] : [false, true] {
                parts.append(bracket ? "(" + run(3, 8) + ")" : "\"" + run(3, 8) + "\"")
                parts.append(run(1, 3))
            }
            sentences.append(parts.joined(separator: " ") + ".")
        }
        var lines: [String] = [], line = ""
        for word in sentences.joined(separator: " ").split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > 40 {
                lines.append(line)
                line = String(word)
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        return (lines + [line]).joined(separator: "\n") + "\n"
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

    static let fables = """
    the fox and the crow.
    a crow found a piece of bread and flew up into a tree to eat it.
    a fox came by and sat under the tree.
    what a fine bird, said the fox. what fine black wings you have.
    if your voice is as fine as your wings, you must be the queen of the birds.
    the crow was pleased and opened her beak to sing.
    the bread fell down, and the fox ate it.
    thank you, said the fox. your voice is fine, but your head is not.

    the ant and the bird.
    an ant went down to the river to drink, and the water took her away.
    a bird in a tree saw the ant in the water.
    the bird let a leaf fall on the river, and the ant climbed on the leaf.
    the leaf came to the bank, and the ant was safe.
    the next day a man came with a net to catch the bird.
    the ant ran to the man and bit his foot.
    the man cried out and let the net fall, and the bird flew away.
    one good turn asks for another.

    the wind and the sun.
    the wind and the sun had a quarrel. each said that he was the stronger.
    a man came down the road in a long coat.
    let us see, said the sun, which of us can take the coat from the man.
    the wind blew as hard as it could. the man held his coat close.
    the more the wind blew, the more the man held on to his coat.
    then the sun came out and shone on the man.
    the man grew warm, and he took off his coat and sat in the shade.
    kind words do more than hard ones.

    the mouse and the lion.
    a lion was asleep in the grass, and a little mouse ran over his face.
    the lion woke up and held the mouse under his paw.
    let me go, said the mouse, and one day i will help you.
    the lion laughed, for how could a mouse help a lion. but he let her go.
    some days later the lion was caught in a net of ropes.
    he roared and roared, but he could not get out.
    the mouse heard him and came running.
    she bit the ropes, one after another, until the lion was free.
    you laughed at me, said the mouse, but a mouse can help a lion.

    the dog and his shadow.
    a dog had a piece of meat and was going home over a bridge.
    he looked down into the water and saw another dog with another piece of meat.
    he wanted that meat too, so he opened his mouth to bark at the other dog.
    his own meat fell into the water and was gone.
    there was no other dog. it was his own face in the water.
    he who wants too much may lose what he has.

    the hare and the tortoise.
    a hare laughed at a tortoise because he was so slow.
    let us run a race, said the tortoise, and we will see.
    the hare ran fast and was soon far ahead.
    he was so sure of himself that he lay down under a tree to sleep.
    the tortoise went on, slow and steady, and did not stop.
    when the hare woke up, the tortoise was at the end of the road.
    slow and steady wins the race.

    the boy and the wolf.
    a boy kept the sheep of his village on the hill.
    one day he cried out, wolf, wolf, to see the people run up the hill.
    the people came running, but there was no wolf, and the boy laughed.
    he did the same the next day, and the people came again.
    then a wolf really came, and the boy cried out, wolf, wolf.
    but no one came, for no one believed him, and the wolf took the sheep.
    no one believes a liar, even when he tells the truth.

    the town mouse and the country mouse.
    a country mouse asked his friend from the town to come and eat with him.
    he gave him beans and bread and water from the stream.
    this is poor food, said the town mouse. come with me to the town.
    in the town there was cake and cheese and honey on a long table.
    but as soon as they began to eat, a cat ran into the room.
    the mice ran to hide in a hole in the wall.
    the cat sat by the hole all night.
    good night, said the country mouse in the morning. i am going home.
    better beans in peace than cake in fear.

    the crow and the jug.
    a crow was dying of thirst and came upon a jug with a little water in it.
    the water was low, and his beak could not reach it.
    he tried to push the jug over, but it was too heavy.
    then he took a stone and dropped it into the jug.
    he dropped another stone, and another, and another.
    slowly the water rose, until at last he could drink.
    little by little does the trick.

    """
}

import Foundation
import Testing
@testable import RNNCore

@Suite struct CorpusTests {
    @Test func vocabularyIsSortedByScalarValue() {
        let text = corpus("hello, world\n")
        #expect(text.vocabulary.string == "\n ,dehlorw")
        #expect(text.count == 13)
        #expect(text.text(in: 0 ..< 13) == "hello, world\n")
        #expect(text.indices.bytesPerCharacter == 1)
    }

    @Test func theUnitIsTheUnicodeScalar() {
        // "é" as e + combining acute is two scalars; "日本" two more.
        let text = corpus("e\u{301}é日本e")
        #expect(text.count == 6)
        #expect(text.vocabulary.scalars.map(\.value) == [0x65, 0xE9, 0x301, 0x65E5, 0x672C])
        #expect(text.text(in: 0 ..< 6) == "e\u{301}é日本e")
    }

    @Test func largeVocabulariesUseTwoBytesPerCharacter() {
        let scalars = (0 ..< 300).map { Character(Unicode.Scalar(0x4E00 + $0)!) }
        let text = corpus(String(scalars) + String(scalars.reversed()))
        #expect(text.vocabulary.count == 300)
        #expect(text.indices.bytesPerCharacter == 2)
        #expect(text.indices[0] == 0 && text.indices[299] == 299 && text.indices[300] == 299)
    }

    @Test func aByteOrderMarkIsDropped() throws {
        let text = try Corpus(utf8: [0xEF, 0xBB, 0xBF] + Array("abab".utf8), source: "bom")
        #expect(text.count == 4)
        #expect(text.vocabulary.string == "ab")
    }

    @Test func loadingAFileMatchesLoadingItsText() throws {
        let folder = try TemporaryFolder()
        let text = "The quick brown fox — jumps. ∑\n"
        let path = try folder.write("fox.txt", text: text)
        let loaded = try Corpus.load(path: path)
        let inMemory = corpus(text)
        #expect(loaded.vocabulary == inMemory.vocabulary)
        #expect(loaded.indices == inMemory.indices)
        #expect(loaded.byteCount == text.utf8.count)
        #expect(loaded.checksum == inMemory.checksum)
        #expect(loaded.source == path)
    }

    @Test func theChecksumIsFNV1a() {
        // The published FNV-1a 64-bit test vector for "foobar".
        #expect((try? Corpus(text: "foobar", source: "x"))?.checksum == 0x8594_4171_F739_67E8)
    }

    /// (bytes, byte offset the error must name, the offending byte)
    static let invalidUTF8Cases: [([UInt8], Int, UInt8)] = [
        ([0x61, 0x62, 0xFF, 0x63], 2, 0xFF),            // never valid
        ([0x61, 0x80, 0x62], 1, 0x80),                  // stray continuation byte
        ([0x61, 0x62, 0xC3], 2, 0xC3),                  // truncated two-byte sequence at the end
        ([0x61, 0xC3, 0x28, 0x62], 1, 0xC3),            // bad continuation
        ([0x61, 0xC0, 0xAF], 1, 0xC0),                  // overlong '/'
        ([0x61, 0xE0, 0x80, 0xAF], 1, 0xE0),            // overlong three-byte form
        ([0x61, 0x62, 0xED, 0xA0, 0x80], 2, 0xED),      // UTF-16 surrogate U+D800
        ([0x61, 0xF4, 0x90, 0x80, 0x80], 1, 0xF4),      // above U+10FFFF
        ([0x61, 0x62, 0xF0, 0x9F, 0x98], 2, 0xF0),      // truncated four-byte emoji
    ]

    @Test(arguments: invalidUTF8Cases)
    func invalidUTF8NamesTheByteOffset(bytes: [UInt8], offset: Int, byte: UInt8) {
        #expect(throws: CorpusError.invalidUTF8(source: "bad", byteOffset: offset, byte: byte)) {
            try Corpus(utf8: bytes, source: "bad")
        }
    }

    @Test func theOffsetCountsAByteOrderMark() {
        #expect(throws: CorpusError.invalidUTF8(source: "bad", byteOffset: 4, byte: 0xFF)) {
            try Corpus(utf8: [0xEF, 0xBB, 0xBF, 0x61, 0xFF], source: "bad")
        }
    }

    @Test func validMultibyteEdgesAreAccepted() throws {
        // U+0080, U+07FF, U+0800, U+FFFD, U+10000, U+10FFFF.
        let text = "\u{80}\u{7FF}\u{800}\u{FFFD}\u{10000}\u{10FFFF}"
        let loaded = try Corpus(utf8: Array(text.utf8), source: "edges")
        #expect(loaded.count == 6)
        #expect(loaded.text(in: 0 ..< 6) == text)
    }

    @Test func fileErrors() throws {
        let folder = try TemporaryFolder()
        let missing = folder.url.appendingPathComponent("nope.txt").path
        #expect(throws: CorpusError.unreadable(path: missing, failure: .notFound)) { try Corpus.load(path: missing) }
        #expect(throws: CorpusError.unreadable(path: folder.url.path, failure: .isDirectory)) { try Corpus.load(path: folder.url.path) }
        let empty = try folder.write("empty.txt", bytes: [])
        #expect(throws: CorpusError.empty(source: empty)) { try Corpus.load(path: empty) }
        let bomOnly = try folder.write("bom.txt", bytes: [0xEF, 0xBB, 0xBF])
        #expect(throws: CorpusError.empty(source: bomOnly)) { try Corpus.load(path: bomOnly) }
        let single = try folder.write("aaaa.txt", text: "aaaa")
        #expect(throws: CorpusError.tooFewDistinctCharacters(source: single, found: 1)) { try Corpus.load(path: single) }
        let insideAFile = single + "/x.txt"
        #expect(throws: CorpusError.unreadable(path: insideAFile, failure: .notFound)) { try Corpus.load(path: insideAFile) }
    }

    @Test func unreadableFile() throws {
        #if os(Linux)
        // Reading /proc/self/mem at offset 0 fails with EIO, even for root.
        #expect(throws: CorpusError.unreadable(path: "/proc/self/mem", failure: .system("Input/output error"))) {
            try Corpus.load(path: "/proc/self/mem")
        }
        #endif
        if geteuid() != 0 {
            let folder = try TemporaryFolder()
            let locked = try folder.write("locked.txt", text: "abc")
            chmod(locked, 0)
            #expect(throws: CorpusError.unreadable(path: locked, failure: .system("Permission denied"))) {
                try Corpus.load(path: locked)
            }
        }
    }

    @Test func tooShortForAWindow() throws {
        let text = corpus("abcde")
        try text.validate(sequenceLength: 4)  // 5 characters: 4 inputs + 1 target
        #expect(throws: CorpusError.tooShort(source: "test", characters: 5, needed: 6)) {
            try text.validate(sequenceLength: 5)
        }
    }

    @Test func messagesSayWhatWasWrong() {
        #expect(CorpusError.invalidUTF8(source: "a.txt", byteOffset: 17, byte: 0xFF).description
            == "'a.txt' is not valid UTF-8: byte 0xFF at byte offset 17 does not start a valid character")
        #expect(CorpusError.tooShort(source: "a.txt", characters: 5, needed: 21).description
            == "'a.txt' has 5 characters; one training window needs 21 (seq + 1): lower seq or use a longer text")
        #expect(CorpusError.unreadable(path: "x.txt", failure: .notFound).description == "cannot read 'x.txt': no such file")
    }

    @Test func encodingReportsTheFirstUnknownCharacter() {
        let vocabulary = Vocabulary(text: "abc")
        #expect(vocabulary.encode("cab") == .success([2, 0, 1]))
        #expect(vocabulary.encode("abz") == .failure(UnknownCharacter(scalar: "z", position: 2)))
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a strict XML parser makes of a page (rnnrepl's pages are well-formed XML as well as
/// HTML): nil when it is not well-formed, else its text content as a browser's `textContent`
/// gives it (entities decoded, the stylesheet left out) with every run of white space read as
/// one space.
public func pageText(_ html: String) -> String? {
    let collector = TextCollector()
    let parser = XMLParser(data: Data(html.utf8))
    parser.delegate = collector
    guard parser.parse() else { return nil }
    return collector.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
}

/// `text` with every run of white space read as one space (to look for a transcript's line in
/// a page's text).
public func normalisingSpaces(_ text: String) -> String {
    text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
}

private final class TextCollector: NSObject, XMLParserDelegate {
    var text = ""
    private var inStyle = false

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if element == "style" { inStyle = true }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if element == "style" { inStyle = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !inStyle { text += string }
    }
}

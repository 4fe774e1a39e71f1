import Foundation

/// JSON string literals for the files the engine writes (safetensors headers, config.json,
/// tokenizer.json): quotes, backslashes and control characters (DEL too) escaped, everything else
/// as it is.
public enum JSONString {
    public static func literal(_ text: String) -> String {
        var s = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    s += String(format: "\\u%04x", scalar.value)
                } else {
                    s.unicodeScalars.append(scalar)
                }
            }
        }
        return s + "\""
    }
}

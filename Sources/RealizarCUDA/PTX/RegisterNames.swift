/// PTX names of a kernel's virtual registers: one numbered family per register class.
struct RegisterNames {
    private let names: [String]
    let declarations: String

    init(_ types: [ScalarType]) {
        var counts: [String: Int] = [:]
        var names: [String] = []
        for type in types {
            let prefix = RegisterNames.prefix(type)
            let index = counts[prefix, default: 0]
            counts[prefix] = index + 1
            names.append("%\(prefix)\(index)")
        }
        self.names = names
        var declarations = ""
        for (prefix, kind) in [("p", "pred"), ("h", "b16"), ("r", "b32"), ("f", "f32"), ("rd", "b64")] {
            if let count = counts[prefix] { declarations += "\t.reg .\(kind) %\(prefix)<\(count)>;\n" }
        }
        self.declarations = declarations
    }

    subscript(register: Int32) -> String { names[Int(register)] }

    private static func prefix(_ type: ScalarType) -> String {
        switch type {
        case .pred: "p"
        case .u16, .s16, .f16, .bf16: "h"
        case .f32: "f"
        case .u64, .s64: "rd"
        default: "r"
        }
    }
}

import Foundation

/// What a number from `JSONSerialization` really was. Foundation hands integers, floats and
/// booleans all back as `NSNumber`, and `is Bool` is true for 0 and 1, so the kind is read from
/// the object's class and type encoding instead.
enum JSONNumber {
    case integer(Int)
    case float(Double)
    case boolean(Bool)

    init?(_ value: Any) {
        guard let number = value as? NSNumber else { return nil }
        if String(describing: type(of: value)).contains("Boolean") {
            self = .boolean(number.boolValue)
            return
        }
        let kind = String(cString: number.objCType)
        self = kind == "d" || kind == "f" ? .float(number.doubleValue) : .integer(number.intValue)
    }

    /// The value when it was written as an integer (not 2.0, not true).
    var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

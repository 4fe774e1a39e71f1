import Foundation
import Hummingbird
import NIOCore

/// Reading JSON request bodies with a size limit and errors that say which field is wrong.
enum JSONBody {
    /// Decodes `T` from the body; 413 past `limit` bytes, 400 with the field's path otherwise.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        try await decodeKeepingText(type, from: request, limit: limit).value
    }

    /// Decodes `T` and returns the body's text too, for fields read again where key order
    /// matters (tools' schemas, which templates print and grammars follow).
    static func decodeKeepingText<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> (value: T, text: String) {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        } catch is NIOTooManyBytesError {
            // NIO's own report of a body past the limit.
            throw tooLarge(limit)
        } catch {
            throw APIError.invalid("the request body could not be read: \(error)")
        }
        guard buffer.readableBytes > 0 else { throw APIError.invalid("the request body is empty; expected a JSON object") }
        do {
            let data = Data(buffer.readableBytesView)
            return (try JSONDecoder().decode(T.self, from: data), String(decoding: data, as: UTF8.self))
        } catch let error as DecodingError {
            throw describe(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalid("the request body is not valid JSON: \(error)")
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "the request body is larger than \(limit) bytes (--max-body)", code: "request_too_large")
    }

    /// A field's path as messages name it: `messages[0].content`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return text
    }

    /// A DecodingError as a 400 naming the field (`messages[0].content`) and what was expected.
    static func describe(_ error: DecodingError) -> APIError {
        func name(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Int.Type, is UInt64.Type, is Int64.Type: return "an integer"
            case is Float.Type, is Double.Type: return "a number"
            case is Bool.Type: return "a boolean"
            default:
                let text = "\(type)"
                if text.hasPrefix("Array") { return "an array" }
                if text.hasPrefix("Dictionary") { return "an object" }
                return "a valid value"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return .invalid(field.isEmpty ? "the request body must be a JSON object" : "'\(field)' must be \(name(type))", param: field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .invalid("'\(field)' must be \(name(type)), not null", param: field)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalid("'\(field)' is required", param: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .invalid("the request body is not valid JSON") }
            return .invalid("'\(field)': \(context.debugDescription)", param: field)
        @unknown default:
            return .invalid("the request body could not be read: \(error)")
        }
    }

    /// A response with `value` encoded as JSON.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // A banned token's log-probability is -infinity; JSON has no such number.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()
}

/// One JSON value of any shape, for fields whose content is passed through or only inspected.
enum AnyJSON: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// A field that may be one string or an array of strings (OpenAI's `stop`).
struct StringOrStrings: Decodable, Sendable {
    var values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else if container.decodeNil() {
            values = []
        } else {
            values = try container.decode([String].self)
        }
    }
}

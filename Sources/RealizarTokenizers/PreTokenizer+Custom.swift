/// llama.cpp's hand-written matchers for its most common pre-tokenizer expressions
/// (`unicode_regex_split_custom_*` in llama.cpp's unicode.cpp), reproduced step for step: they are
/// not always identical to the expressions they stand for, and the pieces must match llama.cpp's.
enum CustomSplitters {
    static let outOfRange: UInt32 = 0xFFFF_FFFF

    /// Splits each piece (given as code point counts) and returns the new piece lengths.
    static func split(_ kind: SplitStep.Custom, _ cpts: UnsafeBufferPointer<UInt32>, _ lengths: [Int]) -> [Int] {
        var output: [Int] = []
        output.reserveCapacity(lengths.count)
        var start = 0
        for length in lengths {
            var cursor = Cursor(cpts: cpts, lower: start, upper: start + length)
            switch kind {
            case .gpt2: cursor.gpt2(&output)
            case .llama3: cursor.llama3(&output, singleDigits: false, marks: false)
            case .qwen2: cursor.llama3(&output, singleDigits: true, marks: false)
            case .qwen35: cursor.llama3(&output, singleDigits: true, marks: true)
            case .kimiK2: cursor.kimiK2(&output)
            case .digitGroups: cursor.digitGroups(&output)
            case .newlines: cursor.newlines(&output)
            case .thousands: cursor.thousands(&output)
            }
            start += length
        }
        return output
    }

    struct Cursor {
        let cpts: UnsafeBufferPointer<UInt32>
        let lower: Int
        let upper: Int
        var previousEnd: Int

        init(cpts: UnsafeBufferPointer<UInt32>, lower: Int, upper: Int) {
            self.cpts = cpts
            self.lower = lower
            self.upper = upper
            previousEnd = lower
        }

        @inline(__always) func cpt(_ pos: Int) -> UInt32 { pos >= lower && pos < upper ? cpts[pos] : outOfRange }
        @inline(__always) func flags(_ pos: Int) -> CodepointFlags {
            pos >= lower && pos < upper ? UnicodeData.flags(cpts[pos]) : CodepointFlags(rawValue: 0)
        }

        /// Ends a piece at `end`; returns its length (pieces of length 0 are not recorded).
        @discardableResult
        @inline(__always) mutating func add(_ end: Int, _ output: inout [Int]) -> Int {
            let length = end - previousEnd
            if length > 0 { output.append(length) }
            previousEnd = end
            return length
        }

        /// `'s|'t|'re|'ve|'m|'ll|'d` (case-folded when `fold`): the length matched at `pos`, or 0.
        func contraction(_ pos: Int, fold: Bool) -> Int {
            guard cpt(pos) == 0x27, pos + 1 < upper else { return 0 }
            let next = fold ? UnicodeData.toLower(cpt(pos + 1)) : cpt(pos + 1)
            if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { return 2 }  // s t m d
            if pos + 2 < upper {
                let after = fold ? UnicodeData.toLower(cpt(pos + 2)) : cpt(pos + 2)
                if (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65) || (next == 0x6C && after == 0x6C) {
                    return 3  // re ve ll
                }
            }
            return 0
        }

        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
        mutating func gpt2(_ output: inout [Int]) {
            var pos = lower
            while pos < upper {
                let c = cpt(pos)
                let f = flags(pos)
                let contraction = contraction(pos, fold: false)
                if contraction > 0 {
                    pos += add(pos + contraction, &output)
                    continue
                }
                var f2 = c == 0x20 ? flags(pos + 1) : f
                if f2.isLetter {
                    if c == 0x20 { pos += 1 }
                    while f2.isLetter { pos += 1; f2 = flags(pos) }
                    add(pos, &output)
                    continue
                }
                if f2.isNumber {
                    if c == 0x20 { pos += 1 }
                    while f2.isNumber { pos += 1; f2 = flags(pos) }
                    add(pos, &output)
                    continue
                }
                if !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.rawValue != 0 {
                    if c == 0x20 { pos += 1 }
                    while !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.rawValue != 0 { pos += 1; f2 = flags(pos) }
                    add(pos, &output)
                    continue
                }
                var spaces = 0
                while flags(pos + spaces).isWhitespace { spaces += 1 }
                if spaces > 1 && cpt(pos + spaces) != outOfRange {
                    pos += spaces - 1
                    add(pos, &output)
                    continue
                }
                if spaces > 0 {
                    pos += spaces
                    add(pos, &output)
                    continue
                }
                pos += 1
                add(pos, &output)
            }
        }

        /// Llama 3 (`\p{N}{1,3}`), Qwen2 (`\p{N}`) and Qwen3.5 (`\p{N}`, letters with marks):
        /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        mutating func llama3(_ output: inout [Int], singleDigits: Bool, marks: Bool) {
            @inline(__always) func isWordChar(_ f: CodepointFlags) -> Bool { f.isLetter || (marks && f.isAccentMark) }
            var pos = lower
            while pos < upper {
                let c = cpt(pos)
                let f = flags(pos)
                let contraction = contraction(pos, fold: true)
                if contraction > 0 {
                    pos += add(pos + contraction, &output)
                    continue
                }
                if !(c == 0x0D || c == 0x0A || f.isNumber) {
                    if isWordChar(f) || isWordChar(flags(pos + 1)) {
                        pos += 1
                        while isWordChar(flags(pos)) { pos += 1 }
                        add(pos, &output)
                        continue
                    }
                }
                if f.isNumber {
                    if singleDigits {
                        pos += 1
                        add(pos, &output)
                    } else {
                        var first = pos
                        while flags(pos).isNumber {
                            pos += 1
                            if pos - first >= 3 {
                                add(pos, &output)
                                first = pos
                            }
                        }
                        add(pos, &output)
                    }
                    continue
                }
                var f2 = c == 0x20 ? flags(pos + 1) : f
                if !(f2.isWhitespace || f2.isLetter || (marks && f2.isAccentMark) || f2.isNumber) && f.rawValue != 0 {
                    if c == 0x20 { pos += 1 }
                    while !(f2.isWhitespace || f2.isLetter || (marks && f2.isAccentMark) || f2.isNumber) && f2.rawValue != 0 {
                        pos += 1
                        f2 = flags(pos)
                    }
                    var c2 = cpt(pos)
                    while c2 == 0x0D || c2 == 0x0A { pos += 1; c2 = cpt(pos) }
                    add(pos, &output)
                    continue
                }
                if whitespaceRun(&pos, &output) { continue }
                pos += 1
                add(pos, &output)
            }
        }

        /// `\s*[\r\n]+|\s+(?!\S)|\s+` as llama.cpp's matchers do it; false when nothing matched.
        mutating func whitespaceRun(_ pos: inout Int, _ output: inout [Int]) -> Bool {
            var spaces = 0
            var lastNewlineEnd = 0
            while flags(pos + spaces).isWhitespace {
                let c2 = cpt(pos + spaces)
                if c2 == 0x0D || c2 == 0x0A { lastNewlineEnd = pos + spaces + 1 }
                spaces += 1
            }
            if lastNewlineEnd > 0 {
                pos = lastNewlineEnd
                add(pos, &output)
                return true
            }
            if spaces > 1 && cpt(pos + spaces) != outOfRange {
                pos += spaces - 1
                add(pos, &output)
                return true
            }
            if spaces > 0 {
                pos += spaces
                add(pos, &output)
                return true
            }
            return false
        }

        /// Kimi K2: Han runs, then letter words without Han, with optional contractions.
        mutating func kimiK2(_ output: inout [Int]) {
            @inline(__always) func isHan(_ cp: UInt32) -> Bool { UnicodeData.isHan(cp) }
            var pos = lower
            while pos < upper {
                let c = cpt(pos)
                let f = flags(pos)
                if isHan(c) {
                    while isHan(cpt(pos)) { pos += 1 }
                    add(pos, &output)
                    continue
                }
                let leadOK = !(c == 0x0D || c == 0x0A || f.isLetter || f.isNumber)
                let isLetterPattern = (f.isLetter && !isHan(c)) || (leadOK && flags(pos + 1).isLetter && !isHan(cpt(pos + 1)))
                if isLetterPattern {
                    var hasLeading = false
                    if leadOK {
                        hasLeading = true
                        pos += 1
                    }
                    var hasLetters = false
                    while flags(pos).isLetter && !isHan(cpt(pos)) {
                        hasLetters = true
                        pos += 1
                    }
                    if hasLetters || (!hasLeading && flags(pos).isLetter && !isHan(cpt(pos))) {
                        if !hasLetters { pos += 1 }
                        while flags(pos).isLetter && !isHan(cpt(pos)) { pos += 1 }
                        if cpt(pos) == 0x27 && pos + 1 < upper {
                            let next = UnicodeData.toLower(cpt(pos + 1))
                            if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 {
                                pos += 2
                            } else if pos + 2 < upper {
                                let after = UnicodeData.toLower(cpt(pos + 2))
                                if (next == 0x72 && after == 0x65) || (next == 0x76 && after == 0x65) || (next == 0x6C && after == 0x6C) {
                                    pos += 3
                                }
                            }
                        }
                        add(pos, &output)
                        continue
                    } else if hasLeading {
                        pos -= 1
                    }
                }
                if f.isNumber {
                    var first = pos
                    while flags(pos).isNumber {
                        pos += 1
                        if pos - first >= 3 {
                            add(pos, &output)
                            first = pos
                        }
                    }
                    add(pos, &output)
                    continue
                }
                var f2 = c == 0x20 ? flags(pos + 1) : f
                if !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.rawValue != 0 {
                    if c == 0x20 { pos += 1 }
                    while !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.rawValue != 0 {
                        pos += 1
                        f2 = flags(pos)
                    }
                    var c2 = cpt(pos)
                    while c2 == 0x0D || c2 == 0x0A { pos += 1; c2 = cpt(pos) }
                    add(pos, &output)
                    continue
                }
                if whitespaceRun(&pos, &output) { continue }
                pos += 1
                add(pos, &output)
            }
        }

        /// AFMoE and Tiny Aya digit grouping: a run of digits splits into a leading group of
        /// `count % 3` and groups of three (the first group also takes any text before the run).
        mutating func digitGroups(_ output: inout [Int]) {
            var pos = lower
            while pos < upper {
                if flags(pos).isNumber {
                    let digitStart = pos
                    var count = 0
                    while flags(pos).isNumber && pos < upper {
                        count += 1
                        pos += 1
                    }
                    let remainder = count % 3
                    var current = digitStart
                    if remainder > 0 {
                        add(current + remainder, &output)
                        current += remainder
                    }
                    while current < digitStart + count {
                        add(current + 3, &output)
                        current += 3
                    }
                    continue
                }
                pos += 1
            }
            if previousEnd < upper { add(upper, &output) }
        }

        /// `(?=(\d{3})+(?!\d))` as a splitter (its matches are empty): a piece ends before every
        /// position from which a run of ASCII digits of a length divisible by three reaches to the
        /// next non-digit.
        mutating func thousands(_ output: inout [Int]) {
            @inline(__always) func isDigit(_ pos: Int) -> Bool { pos < upper && cpts[pos] >= 0x30 && cpts[pos] <= 0x39 }
            var pos = lower
            while pos < upper {
                guard isDigit(pos) else { pos += 1; continue }
                var end = pos
                while isDigit(end) { end += 1 }
                var p = pos
                while p < end {
                    if (end - p) % 3 == 0 { add(p, &output) }
                    p += 1
                }
                pos = end
            }
            if previousEnd < upper { add(upper, &output) }
        }

        /// `[^\n]+|[\n]+`
        mutating func newlines(_ output: inout [Int]) {
            var pos = lower
            while pos < upper {
                let isNewline = cpts[pos] == 0x0A
                let runStart = pos
                while pos < upper && (cpts[pos] == 0x0A) == isNewline { pos += 1 }
                output.append(pos - runStart)
            }
        }
    }
}

import Testing
import RealizarCore

@Test func blockFormatsHaveLlamaCppSizes() {
    #expect(GGMLType.q4_K.typeSize == 144)
    #expect(GGMLType.q6_K.typeSize == 210)
    #expect(GGMLType.q4_K.byteCount(forElements: 512) == 288)
    #expect(GGMLType.q4_K.byteCount(forElements: 100) == nil)
}

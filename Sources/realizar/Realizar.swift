import ArgumentParser

@main
struct Realizar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realizar",
        abstract: "An LLM inference engine and model server.",
        subcommands: [Tokenize.self, Detokenize.self]
    )
}

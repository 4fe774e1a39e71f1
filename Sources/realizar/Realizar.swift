import ArgumentParser

@main
struct Realizar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realizar",
        abstract: "An LLM inference engine and model server.",
        subcommands: [ServeCommand.self, PullCommand.self, ListCommand.self, RemoveCommand.self, InfoCommand.self, RunCommand.self,
                      ChatCommand.self, LogitsCommand.self, PerplexityCommand.self, BenchCommand.self, Tokenize.self, Detokenize.self,
                      TemplateCommand.self, SelftestCommand.self, GenRandomCommand.self, EmbedCommand.self,
                      ExportSafetensorsCommand.self]
    )
}

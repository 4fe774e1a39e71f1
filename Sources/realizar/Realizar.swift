import ArgumentParser

@main
struct Realizar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realizar",
        abstract: "An LLM inference engine and model server.",
        subcommands: [PullCommand.self, ListCommand.self, RemoveCommand.self, InfoCommand.self, LogitsCommand.self,
                      RunCommand.self, ChatCommand.self, PerplexityCommand.self, TemplateCommand.self]
    )
}

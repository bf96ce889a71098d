import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `atelier test` on a virtual rack: four emulated ST-Links (two with the same serial, told apart by port path)
/// run the unit-test template in parallel, under one `atelier-rig exec`.
@Suite(.serialized) struct TestRigUnderRigTests {
    static let serial = "0123456789ABCDEF01234567"
    static let devices = [
        "stlink:bluepill:serial=\(serial)", "stlink:bluepill:serial=\(serial):port=1-4.2",
        "stlink:stm32f4-discovery:serial=F4F4F4F4F4F4F4F4F4F4F4F4", "stlink:bluepill:serial=BBBBBBBBBBBBBBBBBBBBBBBB",
    ]
    static let rig = """
        slots:
          - name: bp-1
            board: bluepill
            probe: usb:1-1
            tags: [f1]
          - name: bp-2
            board: bluepill
            probe: usb:1-4.2
            tags: [f1]
          - name: bp-3
            board: bluepill
            probe: BBBBBBBBBBBBBBBBBBBBBBBB
          - name: f4
            board: stm32f4-discovery
            probe: F4F4F4F4F4F4F4F4F4F4F4F4
        """

    /// A unit-test project with its rig file, plus variants of its firmware: one with a failing check, one that
    /// never finishes (to hold a lease for as long as the test wants).
    struct Rack {
        let folder: URL
        let project: URL
        let failing: String
        let hanging: String
        let atelier: String
        let rig: String

        init() throws {
            atelier = try #require(CLIRunner.locate("atelier"), "build atelier first")
            rig = try #require(CLIRunner.locate("atelier-rig"), "build atelier-rig first")
            folder = try CLIRunner.temporaryDirectory()
            project = folder.appendingPathComponent("p")
            let new = try CLIRunner.run(atelier, ["new", project.path, "--board", "bluepill", "--template",
                                                  "unit-test", "--lang", "c"], directory: folder)
            try #require(new.exitCode == 0, "\(new.stderr)")
            try TestRigUnderRigTests.rig.write(to: project.appendingPathComponent("rig.yaml"), atomically: true,
                                               encoding: .utf8)
            failing = try Self.variant(atelier, project, folder, "fail", "CHECK(add(2, 3) == 5);",
                                       "CHECK(add(2, 3) == 6);")
            hanging = try Self.variant(atelier, project, folder, "hang", "atelier_console_write(\"unit-test: \");",
                                       "for (;;) {}")
        }

        /// Builds a copy of the project with one line of main.c replaced; returns its ELF.
        static func variant(_ atelier: String, _ project: URL, _ folder: URL, _ name: String, _ old: String,
                            _ new: String) throws -> String {
            let copy = folder.appendingPathComponent(name)
            try FileManager.default.copyItem(at: project, to: copy)
            let main = copy.appendingPathComponent("src/main.c")
            let text = try String(contentsOf: main, encoding: .utf8)
            try #require(text.contains(old))
            try text.replacingOccurrences(of: old, with: new).write(to: main, atomically: true, encoding: .utf8)
            let build = try CLIRunner.run(atelier, ["build"], directory: copy)
            try #require(build.exitCode == 0, "\(build.stderr)")
            return copy.appendingPathComponent(".atelier/build/bluepill/debug/firmware.elf").path
        }

        var environment: [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["ATELIER_LOCK_DIR"] = folder.appendingPathComponent("locks").path
            return environment
        }

        /// Runs a shell script under one rig holding the four boards; $ATELIER is the atelier binary.
        func underRig(_ script: String, timeScale: String = "0") throws -> CLIRunner.Result {
            var environment = self.environment
            environment["ATELIER"] = atelier
            let devices = TestRigUnderRigTests.devices.flatMap { ["--device", $0] }
            return try CLIRunner.run(rig, ["exec", "--time-scale", timeScale, "--state", folder.path] + devices
                                         + ["--", "/bin/sh", "-c", script],
                                     environment: environment, directory: project, timeout: 300)
        }
    }

    @Test func fourSlotsInParallelAndAFailingOneInJUnit() throws {
        let rack = try Rack()
        defer { try? FileManager.default.removeItem(at: rack.folder) }
        let check = try rack.underRig("\"$ATELIER\" rig check")
        #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("bp-2: ok: stlink 0483:3748 serial \(Self.serial) at usb:1-4.2"))

        let result = try rack.underRig("\"$ATELIER\" test --junit junit.xml --json report.json --timeout 60 "
                                       + "--image bp-3=\(rack.failing)")
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("bp-1 [bluepill on stlink 0483:3748 serial \(Self.serial) at usb:1-1]: "
                                       + "passed (5 passed, 0 failed)"), "\(result.stdout)")
        #expect(result.stdout.contains("bp-3 [bluepill"), "\(result.stdout)")
        #expect(result.stdout.contains("test: 3 of 4 slots passed"), "\(result.stdout)")

        let junit = rack.project.appendingPathComponent("junit.xml")
        try Self.expectValidJUnit(junit.path)
        let xml = try XMLDocument(contentsOf: junit)
        let root = try #require(xml.rootElement())
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "20")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(root.attribute(forName: "errors")?.stringValue == "0")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.compactMap { $0.attribute(forName: "name")?.stringValue } == ["bp-1", "bp-2", "bp-3", "f4"])
        for suite in suites {
            #expect(suite.elements(forName: "testcase").count == 5)
            #expect(suite.elements(forName: "system-out").first?.stringValue?.contains("unit-test: ") == true)
            for name in ["tests", "failures", "errors", "time", "timestamp", "hostname"] {
                #expect(suite.attribute(forName: name) != nil, "testsuite lacks \(name)")
            }
        }
        let failures = suites[2].elements(forName: "testcase").filter { !$0.elements(forName: "failure").isEmpty }
        #expect(failures.count == 1)
        #expect(failures.first?.attribute(forName: "name")?.stringValue == "add(2, 3) == 6")
        #expect(suites[2].attribute(forName: "failures")?.stringValue == "1")

        let data = try Data(contentsOf: rack.project.appendingPathComponent("report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let slots = try #require(report["slots"] as? [[String: Any]])
        #expect(slots.compactMap { $0["status"] as? String } == ["passed", "passed", "failed", "passed"])
    }

    @Test func twoJobsOnOneRigSerializeOnTheLeasesAndBothFinish() throws {
        let rack = try Rack()
        defer { try? FileManager.default.removeItem(at: rack.folder) }
        let elf = rack.project.appendingPathComponent(".atelier/build/bluepill/debug/firmware.elf").path
        let build = try CLIRunner.run(rack.atelier, ["build"], directory: rack.project)
        try #require(build.exitCode == 0, "\(build.stderr)")
        // Both start together and a slot takes most of a second, so the second job finds the slots held.
        let run = "\"$ATELIER\" test --tag f1 --timeout 120 --wait 200 --image bluepill=\(elf)"
        // Commands under atelier-rig start with SIGCHLD blocked, so the shell's `wait` never returns for a
        // background job: each job writes its exit code to a file and the script polls for both.
        let result = try rack.underRig("(\(run) --json a.json 2>a.err; echo $? >a.rc) & "
                                       + "(\(run) --json b.json 2>b.err; echo $? >b.rc) & "
                                       + "while [ ! -f a.rc ] || [ ! -f b.rc ]; do sleep 0.1; done; "
                                       + "cat a.err b.err >&2; echo \"exits $(cat a.rc) $(cat b.rc)\"",
                                       timeScale: "0")
        #expect(result.stdout.contains("exits 0 0"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "test: 2 of 2 slots passed").count == 3, "\(result.stdout)")
        #expect(result.stderr.contains("is held by pid "), "\(result.stderr)")
        #expect(result.stderr.contains(" since "), "\(result.stderr)")
    }

    @Test func aLeaseWhoseHolderWasKilledIsRecovered() throws {
        let rack = try Rack()
        defer { try? FileManager.default.removeItem(at: rack.folder) }
        let elf = rack.project.appendingPathComponent(".atelier/build/bluepill/debug/firmware.elf").path
        let build = try CLIRunner.run(rack.atelier, ["build"], directory: rack.project)
        try #require(build.exitCode == 0, "\(build.stderr)")
        let lock = rack.folder.appendingPathComponent("locks/slot-bp-1.lock").path
        // The holder runs a firmware that never ends; once its lease is written, it is killed with SIGKILL (and not
        // waited for: under atelier-rig SIGCHLD is blocked, and the kernel drops its flock at exit anyway).
        let script = """
            "$ATELIER" test --slots bp-1 --timeout 120 --image bp-1=\(rack.hanging) >/dev/null 2>&1 &
            holder=$!
            for i in $(seq 1 200); do grep -q "pid $holder " "\(lock)" 2>/dev/null && break; sleep 0.05; done
            echo "held: $(cat "\(lock)")"
            kill -9 $holder
            "$ATELIER" test --slots bp-1 --wait 10 --image bp-1=\(elf)
            echo "exit $?"
            """
        let result = try rack.underRig(script)
        #expect(result.stdout.contains("held: pid "), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("bp-1 [bluepill"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("test: 1 of 1 slots passed"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("exit 0"), "\(result.stdout)\(result.stderr)")
    }

    @Test func rigCheckNamesMissingAmbiguousAndWrongChipSlots() throws {
        let rack = try Rack()
        defer { try? FileManager.default.removeItem(at: rack.folder) }
        let wrong = """
            slots:
              - name: clones
                board: bluepill
                probe: \(Self.serial)
              - name: gone
                board: bluepill
                probe: 999999999999999999999999
              - name: not-an-f4
                board: stm32f4-discovery
                probe: BBBBBBBBBBBBBBBBBBBBBBBB
            """
        try wrong.write(to: rack.project.appendingPathComponent("wrong.yaml"), atomically: true, encoding: .utf8)
        let check = try rack.underRig("\"$ATELIER\" rig check --rig wrong.yaml")
        #expect(check.exitCode == 3, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("clones: ambiguous: 2 probes match"), "\(check.stdout)")
        #expect(check.stdout.contains("gone: missing: no probe matches"), "\(check.stdout)")
        #expect(check.stdout.contains("not-an-f4: wrong-chip: "), "\(check.stdout)")
        #expect(check.stderr.contains("3 of 3 slots are not ready"), "\(check.stderr)")

        let test = try rack.underRig("\"$ATELIER\" test --rig wrong.yaml --slots not-an-f4 --junit j.xml")
        #expect(test.exitCode == 3, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("not-an-f4 [stm32f4-discovery"), "\(test.stdout)")
        #expect(test.stdout.contains("unreachable"), "\(test.stdout)")
        let junit = rack.project.appendingPathComponent("j.xml")
        try Self.expectValidJUnit(junit.path)
        let xml = try XMLDocument(contentsOf: junit)
        #expect(xml.rootElement()?.attribute(forName: "errors")?.stringValue == "1")
    }

    /// The schema CI servers read JUnit by: the Jenkins xunit plugin's junit-10.xsd, which `make deps` takes from
    /// pytest's source distribution (pytest validates its own reports against it). A missing schema or xmllint fails.
    static let junitSchema = CLIRunner.packageRoot.appendingPathComponent(".deps/junit-10.xsd").path

    static func expectValidJUnit(_ path: String) throws {
        try #require(FileManager.default.fileExists(atPath: junitSchema), "\(junitSchema) is missing: run make deps")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint"),
                     "xmllint is missing: make deps installs libxml2-utils")
        let check = try CLIRunner.run("/usr/bin/xmllint", ["--noout", "--schema", junitSchema, path])
        #expect(check.exitCode == 0, "\(path) does not follow junit-10.xsd: \(check.stderr)")
    }

    @Test func theSchemaCheckRejectsATestsuiteWithoutCounts() throws {
        let folder = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bad.xml")
        try #"<testsuites><testsuite name="s"><testcase name="c"/></testsuite></testsuites>"#
            .write(to: path, atomically: true, encoding: .utf8)
        try #require(FileManager.default.fileExists(atPath: Self.junitSchema), "\(Self.junitSchema) is missing")
        let check = try CLIRunner.run("/usr/bin/xmllint", ["--noout", "--schema", Self.junitSchema, path.path])
        #expect(check.exitCode != 0)
        #expect(check.stderr.contains("'tests' is required"), "\(check.stderr)")
    }
}

import PaymentManager
import Testing

struct IOThreadsTests {
    @Test("half as many event loops as cores, at least one, unless PM_IO_THREADS says otherwise")
    func count() throws {
        #expect(try IOThreads.count(environment: [:], cores: 1) == 1)
        #expect(try IOThreads.count(environment: [:], cores: 2) == 1)
        #expect(try IOThreads.count(environment: [:], cores: 3) == 1)
        #expect(try IOThreads.count(environment: [:], cores: 8) == 4)
        #expect(try IOThreads.count(environment: ["PM_IO_THREADS": "6"], cores: 2) == 6)
        #expect(try IOThreads.count(environment: ["PM_IO_THREADS": " 2 "], cores: 8) == 2)
        for bad in ["", "0", "1.5", "many", "1025"] {
            #expect(throws: IOThreads.Invalid.self) { try IOThreads.count(environment: ["PM_IO_THREADS": bad], cores: 2) }
        }
    }
}

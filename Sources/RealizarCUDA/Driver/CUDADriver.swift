#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CUDA driver API entry points this backend uses, found with `dlopen("libcuda.so.1")` and
/// `dlsym` at run time, so that nothing CUDA is needed to build (or to run without a GPU).
/// The `_v2` names are the ones current drivers export for the 64-bit-size forms.
public final class CUDADriver: @unchecked Sendable {
    public typealias Result = Int32
    public typealias Handle = OpaquePointer
    public typealias DevicePointer = UInt64

    let cuInit: @convention(c) (UInt32) -> Result
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> Result
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Result
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Result
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Result
    let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>, Int32) -> Result
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<Handle?>, Int32) -> Result
    let cuDevicePrimaryCtxRelease: @convention(c) (Int32) -> Result
    let cuCtxSetCurrent: @convention(c) (Handle?) -> Result
    let cuCtxSynchronize: @convention(c) () -> Result
    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Result
    let cuStreamSynchronize: @convention(c) (Handle?) -> Result
    let cuStreamDestroy: @convention(c) (Handle?) -> Result
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Result
    let cuEventRecord: @convention(c) (Handle?, Handle?) -> Result
    let cuEventSynchronize: @convention(c) (Handle?) -> Result
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, Handle?, Handle?) -> Result
    let cuEventDestroy: @convention(c) (Handle?) -> Result
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<DevicePointer>, Int) -> Result
    let cuMemFree: @convention(c) (DevicePointer) -> Result
    let cuMemAllocHost: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int) -> Result
    let cuMemFreeHost: @convention(c) (UnsafeMutableRawPointer?) -> Result
    let cuMemcpyHtoDAsync: @convention(c) (DevicePointer, UnsafeRawPointer?, Int, Handle?) -> Result
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, DevicePointer, Int, Handle?) -> Result
    let cuMemcpyDtoDAsync: @convention(c) (DevicePointer, DevicePointer, Int, Handle?) -> Result
    let cuMemsetD8Async: @convention(c) (DevicePointer, UInt8, Int, Handle?) -> Result
    let cuModuleLoadDataEx: @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeRawPointer, UInt32,
                                            UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result
    let cuModuleUnload: @convention(c) (Handle?) -> Result
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<Handle?>, Handle?, UnsafePointer<CChar>) -> Result
    let cuFuncGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, Handle?) -> Result
    let cuLaunchKernel: @convention(c) (Handle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result
    /// Absent from drivers before CUDA 12.0: launches then go through `cuLaunchKernel` alone.
    let cuLaunchKernelEx: (@convention(c) (UnsafeRawPointer, Handle?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                           UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Result)?
    let cuStreamBeginCapture: @convention(c) (Handle?, Int32) -> Result
    let cuStreamEndCapture: @convention(c) (Handle?, UnsafeMutablePointer<Handle?>) -> Result
    let cuGraphInstantiateWithFlags: @convention(c) (UnsafeMutablePointer<Handle?>, Handle?, UInt64) -> Result
    let cuGraphLaunch: @convention(c) (Handle?, Handle?) -> Result
    let cuGraphExecUpdate: @convention(c) (Handle?, Handle?, UnsafeMutableRawPointer?) -> Result
    let cuGraphDestroy: @convention(c) (Handle?) -> Result
    let cuGraphExecDestroy: @convention(c) (Handle?) -> Result
    let cuGetErrorName: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result
    let cuGetErrorString: @convention(c) (Result, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result

    private static let loaded: Swift.Result<CUDADriver, CUDAError> = {
        do { return .success(try CUDADriver()) } catch let error as CUDAError { return .failure(error) } catch {
            return .failure(.noDriver("\(error)"))
        }
    }()

    /// The process's driver binding (opened once), with `cuInit(0)` done.
    public static func shared() throws -> CUDADriver { try loaded.get() }

    private init() throws {
        guard let library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw CUDAError.noDriver(reason)
        }
        /// The first of `names` the driver exports (newer versioned names first).
        func symbol<T>(_ names: String..., as _: T.Type = T.self) throws -> T {
            for name in names {
                if let address = dlsym(library, name) { return unsafeBitCast(address, to: T.self) }
            }
            throw CUDAError.missingSymbol(names.joined(separator: " / "))
        }
        cuInit = try symbol("cuInit")
        cuDriverGetVersion = try symbol("cuDriverGetVersion")
        cuDeviceGetCount = try symbol("cuDeviceGetCount")
        cuDeviceGet = try symbol("cuDeviceGet")
        cuDeviceGetName = try symbol("cuDeviceGetName")
        cuDeviceGetAttribute = try symbol("cuDeviceGetAttribute")
        cuDeviceTotalMem = try symbol("cuDeviceTotalMem_v2")
        cuDevicePrimaryCtxRetain = try symbol("cuDevicePrimaryCtxRetain")
        cuDevicePrimaryCtxRelease = try symbol("cuDevicePrimaryCtxRelease_v2")
        cuCtxSetCurrent = try symbol("cuCtxSetCurrent")
        cuCtxSynchronize = try symbol("cuCtxSynchronize")
        cuStreamCreate = try symbol("cuStreamCreate")
        cuStreamSynchronize = try symbol("cuStreamSynchronize")
        cuStreamDestroy = try symbol("cuStreamDestroy_v2")
        cuEventCreate = try symbol("cuEventCreate")
        cuEventRecord = try symbol("cuEventRecord")
        cuEventSynchronize = try symbol("cuEventSynchronize")
        cuEventElapsedTime = try symbol("cuEventElapsedTime_v2", "cuEventElapsedTime")
        cuEventDestroy = try symbol("cuEventDestroy_v2")
        cuMemAlloc = try symbol("cuMemAlloc_v2")
        cuMemFree = try symbol("cuMemFree_v2")
        cuMemAllocHost = try symbol("cuMemAllocHost_v2")
        cuMemFreeHost = try symbol("cuMemFreeHost")
        cuMemcpyHtoDAsync = try symbol("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try symbol("cuMemcpyDtoHAsync_v2")
        cuMemcpyDtoDAsync = try symbol("cuMemcpyDtoDAsync_v2")
        cuMemsetD8Async = try symbol("cuMemsetD8Async")
        cuModuleLoadDataEx = try symbol("cuModuleLoadDataEx")
        cuModuleUnload = try symbol("cuModuleUnload")
        cuModuleGetFunction = try symbol("cuModuleGetFunction")
        cuFuncGetAttribute = try symbol("cuFuncGetAttribute")
        cuLaunchKernel = try symbol("cuLaunchKernel")
        cuLaunchKernelEx = try? symbol("cuLaunchKernelEx")
        cuStreamBeginCapture = try symbol("cuStreamBeginCapture_v2")
        cuStreamEndCapture = try symbol("cuStreamEndCapture")
        cuGraphInstantiateWithFlags = try symbol("cuGraphInstantiateWithFlags")
        cuGraphLaunch = try symbol("cuGraphLaunch")
        cuGraphExecUpdate = try symbol("cuGraphExecUpdate_v2")
        cuGraphDestroy = try symbol("cuGraphDestroy")
        cuGraphExecDestroy = try symbol("cuGraphExecDestroy")
        cuGetErrorName = try symbol("cuGetErrorName")
        cuGetErrorString = try symbol("cuGetErrorString")
        try check(cuInit(0), "cuInit")
    }

    /// Throws `CUDAError.call` naming `call` unless `result` is `CUDA_SUCCESS`.
    public func check(_ result: Result, _ call: @autoclosure () -> String) throws {
        guard result != 0 else { return }
        let (name, message) = describe(result)
        throw CUDAError.call(call(), code: result, name: name, message: message)
    }

    /// The driver's name and message for a `CUresult`.
    public func describe(_ result: Result) -> (name: String, message: String) {
        var name: UnsafePointer<CChar>?
        var message: UnsafePointer<CChar>?
        _ = cuGetErrorName(result, &name)
        _ = cuGetErrorString(result, &message)
        return (name.map { String(cString: $0) } ?? "CUDA_ERROR_\(result)", message.map { String(cString: $0) } ?? "unknown error")
    }

    /// The driver's CUDA version as "major.minor".
    public func version() throws -> String {
        var version: Int32 = 0
        try check(cuDriverGetVersion(&version), "cuDriverGetVersion")
        return "\(version / 1000).\(version % 1000 / 10)"
    }

    public func deviceCount() throws -> Int {
        var count: Int32 = 0
        try check(cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }
}

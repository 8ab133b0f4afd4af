import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// Signing in (badge + PIN) and out.
    func addSessionRoutes(_ env: WebEnvironment) {
        let access = env.database.access
        on(.post, "/api/v1/session") { request, context -> Response in
            let body = try await request.decode(as: SignInRequest.self, context: context)
            try env.pinLimiter.admit(context.remoteAddress?.ipAddress ?? "unknown")
            let signedIn = try await env.writing { try access.signIn(badge: body.badge, pin: body.pin) }
            var response = try JSONEncoder.sorted.encodeResponse(signedIn.session, status: .created)
            response.setCookie(Cookie(name: sessionCookie, value: signedIn.token, maxAge: Int(StaffAccess.sessionLifetime), path: "/",
                                      secure: env.secureCookies, httpOnly: true, sameSite: .strict))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        on(.get, "/api/v1/session") { _, context -> StaffSession in
            guard let staff = context.staff else { throw AccessRefusal.notSignedIn.httpError }
            return staff
        }
        on(.delete, "/api/v1/session") { request, _ -> Response in
            if let token = request.cookies[sessionCookie]?.value { try await env.writing { try access.signOut(token: token) } }
            var response = Response(status: .noContent)
            response.setCookie(Cookie(name: sessionCookie, value: "", maxAge: 0, path: "/", secure: env.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }
}

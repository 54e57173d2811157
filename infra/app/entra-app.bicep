// The app's Entra ID registration (Microsoft Graph Bicep extension): the audience of callers' tokens and
// the home of the product's app roles, and the client App Service Authentication signs browsers in as.
// "Assignment required" is on, so nobody without a role gets a token.
// Assigning people and groups to the roles is done in Entra ID (docs/deploy.md, "Easy Auth and app roles").
extension microsoftGraphV1

param uniqueName string
param functionAppHostName string

var appIdUri = 'api://${uniqueName}'

// Values are exactly what the code checks (shared/domain/access).
var appRoles = [
  {
    value: 'LifecycleOperator'
    displayName: 'Lifecycle operator'
    description: 'Starts, plans, pauses, resumes and rolls back pool migrations.'
    // An automation's app-only token may operate too (shared/domain/access/entra-claims.ts).
    allowedMemberTypes: [
      'User'
      'Application'
    ]
  }
  {
    value: 'LifecycleApprover'
    displayName: 'Lifecycle approver'
    description: 'Answers migration gates and stuck-drain decisions.'
    // People approve: an app holding this role is refused at a gate anyway.
    allowedMemberTypes: [
      'User'
    ]
  }
]

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: 'AKS image lifecycle (${uniqueName})'
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    appIdUri
  ]
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: guid(uniqueName, 'user_impersonation')
        value: 'user_impersonation'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Use AKS image lifecycle'
        adminConsentDescription: 'Call the AKS image lifecycle API as the signed-in user.'
      }
    ]
  }
  appRoles: [
    for role in appRoles: {
      id: guid(uniqueName, role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: role.allowedMemberTypes
      isEnabled: true
    }
  ]
  groupMembershipClaims: 'SecurityGroup'
  optionalClaims: {
    // idtyp tells an app-only token from a person's; the API refuses a token with neither scp nor idtyp app.
    accessToken: [
      { name: 'groups' }
      { name: 'idtyp' }
    ]
  }
  web: {
    // Where App Service Authentication receives a browser's sign-in (/.auth/login/aad/callback).
    redirectUris: [
      'https://${functionAppHostName}/.auth/login/aad/callback'
    ]
    // With no client secret App Service signs people in by the implicit flow, which needs ID tokens (only):
    // https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
    implicitGrantSettings: {
      enableIdTokenIssuance: true
      enableAccessTokenIssuance: false
    }
  }
}

resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
  appRoleAssignmentRequired: true
}

output clientId string = app.appId
output appIdUri string = appIdUri

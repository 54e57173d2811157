// The Flex Consumption Function App (Node 22) running as the user-assigned identity, its app settings,
// and App Service Authentication in front of it. Every app setting the code reads is listed below, one a
// line (test/infra/app-settings.test.ts reads them): connections by identity, never by key.
param name string
param planName string
param location string
param tags object
param identityResourceId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param serviceBusNamespaceName string
param noticesQueueName string
param alertTopicName string
@description('The Durable Task Scheduler endpoint; empty with Azure Storage as the Durable backend.')
param schedulerEndpoint string
param appInsightsConnectionString string
param maximumInstanceCount int
param tablesPrefix string
param authMode string
param entraClientId string
param entraAppIdUri string
param inventorySubscriptions string
param inventoryManagementGroups string
param inventorySchedule string
param scanConcurrency int
param scanDependenciesEvery int
param twoApproversWhere string
@secure()
param alertWebhookUrl string
@secure()
param alertTeamsWebhookUrl string

var storageSuffix = environment().suffixes.storage
var armEndpoint = environment().resourceManager
var loginEndpoint = environment().authentication.loginEndpoint
var tenantId = tenant().tenantId

module plan 'br/public:avm/res/web/serverfarm:0.3.0' = {
  name: 'plan'
  params: {
    name: planName
    location: location
    tags: tags
    skuName: 'FC1'
    reserved: true
  }
}

module site 'br/public:avm/res/web/site:0.11.1' = {
  name: 'site'
  params: {
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    kind: 'functionapp,linux'
    serverFarmResourceId: plan.outputs.resourceId
    httpsOnly: true
    managedIdentities: {
      userAssignedResourceIds: [
        identityResourceId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: 'https://${storageAccountName}.blob.${storageSuffix}/${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING', value: empty(schedulerEndpoint) ? '' : 'Endpoint=${schedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}' }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBusNamespaceName}.servicebus.windows.net' }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        { name: 'ARM_ENDPOINT', value: endsWith(armEndpoint, '/') ? substring(armEndpoint, 0, length(armEndpoint) - 1) : armEndpoint }
        { name: 'KUBE_PAGE_SIZE', value: '500' }
        { name: 'TABLES_ENDPOINT', value: 'https://${storageAccountName}.table.${storageSuffix}' }
        { name: 'TABLES_PREFIX', value: tablesPrefix }
        { name: 'NOTICES_QUEUE', value: noticesQueueName }
        { name: 'ALERT_TOPIC', value: alertTopicName }
        { name: 'ALERT_WEBHOOK_URL', value: alertWebhookUrl }
        { name: 'ALERT_TEAMS_WEBHOOK_URL', value: alertTeamsWebhookUrl }
        { name: 'STATUS_BASE_URL', value: 'https://${name}.azurewebsites.net' }
        { name: 'INVENTORY_SUBSCRIPTIONS', value: inventorySubscriptions }
        { name: 'INVENTORY_MANAGEMENT_GROUPS', value: inventoryManagementGroups }
        { name: 'INVENTORY_SCHEDULE', value: inventorySchedule }
        { name: 'SCAN_CONCURRENCY', value: string(scanConcurrency) }
        { name: 'SCAN_DEPENDENCIES_EVERY', value: string(scanDependenciesEvery) }
        { name: 'AUTH_MODE', value: authMode }
        { name: 'ENTRA_TENANT_ID', value: tenantId }
        { name: 'ENTRA_AUDIENCE', value: '${entraClientId},${entraAppIdUri}' }
        { name: 'ENTRA_AUTHORITY', value: loginEndpoint }
        { name: 'ENTRA_CLOCK_SKEW_S', value: '60' }
        { name: 'TWO_APPROVERS_WHERE', value: twoApproversWhere }
      ]
    }
  }
}

resource existingSite 'Microsoft.Web/sites@2024-04-01' existing = {
  name: name
}

// App Service Authentication: with AUTH_MODE easyauth every request needs a token for this app (v2
// issuer, its client id or App ID URI as audience) or the session cookie a browser gets by signing in at
// /.auth/login/aad, and the platform sets x-ms-client-principal. Without a client secret that sign-in is
// the implicit flow, which returns only an ID token (the registration issues them, entra-app.bicep):
// https://learn.microsoft.com/azure/app-service/configure-authentication-provider-aad
resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: existingSite
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: authMode == 'easyauth'
    }
    globalValidation: {
      requireAuthentication: true
      // API callers get 401, not a redirect to a sign-in page they cannot follow.
      unauthenticatedClientAction: 'Return401'
      // Only the web page's own files, which hold no data: a browser loads the page, its /api/me answers 401
      // and the page links to /.auth/login/aad. A trailing * covers what is below the folder
      // (https://github.com/MicrosoftDocs/azure-docs/issues/86514); the folder itself is listed as written.
      excludedPaths: [
        '/api/ui'
        '/api/ui/'
        '/api/ui/*'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            entraClientId
            entraAppIdUri
          ]
        }
      }
    }
    login: {
      // The session cookie and x-ms-client-principal need no token store; it would keep the provider's tokens
      // for X-MS-TOKEN-* headers and /.auth/me, which nothing here reads:
      // https://learn.microsoft.com/azure/app-service/overview-authentication-authorization#token-store
      tokenStore: {
        enabled: false
      }
    }
  }
  dependsOn: [
    site
  ]
}

output name string = site.outputs.name
output defaultHostName string = site.outputs.defaultHostname

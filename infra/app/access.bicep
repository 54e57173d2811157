// The identity's data-plane roles on the resources of this deployment, each scoped as narrowly as the
// code allows and each explained in docs/deploy.md ("What the identity may do").
import { builtInRoles } from 'built-in-roles.bicep'

param principalId string
param storageAccountName string
param serviceBusNamespaceName string
param noticesQueueName string
param alertTopicName string
param appInsightsName string
@description('Empty with Azure Storage as the Durable backend.')
param schedulerName string
param taskHubName string
param durableBackend string

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource noticesQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: namespace
  name: noticesQueueName
}

resource alertTopic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' existing = {
  parent: namespace
  name: alertTopicName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' existing = if (durableBackend == 'durableTaskScheduler') {
  name: schedulerName
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' existing = if (durableBackend == 'durableTaskScheduler') {
  parent: scheduler
  name: taskHubName
}

// The host's own state (keys, timer locks) and the deployment package, in blobs.
resource hostBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, builtInRoles.storageBlobDataOwner)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The product's state and audit tables (TABLES_ENDPOINT); with Azure Storage as the Durable backend, its
// history and instances tables too.
resource productTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, builtInRoles.storageTableDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Only the Azure Storage Durable backend uses queues (its control and work-item queues).
resource durableQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (durableBackend == 'azureStorage') {
  name: guid(storageAccount.id, principalId, builtInRoles.storageQueueDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The retirement-notices trigger receives (and completes) from this queue only.
resource noticesReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(noticesQueue.id, principalId, builtInRoles.serviceBusDataReceiver)
  scope: noticesQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataReceiver)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Alerts are sent to this topic only (ALERT_TOPIC).
resource alertSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(alertTopic.id, principalId, builtInRoles.serviceBusDataSender)
  scope: alertTopic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry with Entra authentication (local auth is off on the component).
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, builtInRoles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Orchestrations, activities and the durable client, on this task hub only.
resource durableTaskHub 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (durableBackend == 'durableTaskScheduler') {
  name: guid(taskHub.id, principalId, builtInRoles.durableTaskDataContributor)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.durableTaskDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

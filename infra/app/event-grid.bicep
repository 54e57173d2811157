// Optional: AKS events to the notices queue. One system topic per listed cluster (its region, its
// events: new Kubernetes versions, support ending and ended, node pool rolling), and optionally the
// subscription's scheduled end-of-support events (Resource Notifications, global). Each topic delivers
// with its own identity, which may only send to the notices queue.
import { builtInRoles } from 'built-in-roles.bicep'

@description('[{ id: cluster resource id, location: its region }]')
param clusters array
param routeScheduledEvents bool
param serviceBusNamespaceName string
param noticesQueueName string
param topicNamePrefix string
param tags object

var aksEventTypes = [
  'Microsoft.ContainerService.NewKubernetesVersionAvailable'
  'Microsoft.ContainerService.ClusterSupportEnding'
  'Microsoft.ContainerService.ClusterSupportEnded'
  'Microsoft.ContainerService.NodePoolRollingStarted'
  'Microsoft.ContainerService.NodePoolRollingSucceeded'
  'Microsoft.ContainerService.NodePoolRollingFailed'
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource noticesQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' existing = {
  parent: namespace
  name: noticesQueueName
}

module clusterTopics 'br/public:avm/res/event-grid/system-topic:0.6.1' = [
  for (cluster, index) in clusters: {
    name: 'aks-events-${index}'
    params: {
      name: '${topicNamePrefix}-aks-${index}'
      location: cluster.location
      tags: tags
      source: cluster.id
      topicType: 'Microsoft.ContainerService.ManagedClusters'
      managedIdentities: {
        systemAssigned: true
      }
    }
  }
]

module scheduledEventsTopic 'br/public:avm/res/event-grid/system-topic:0.6.1' = if (routeScheduledEvents) {
  name: 'aks-scheduled-events'
  params: {
    name: '${topicNamePrefix}-scheduled'
    location: 'global'
    tags: tags
    source: subscription().id
    topicType: 'Microsoft.ResourceNotifications.ContainerServiceEventResources'
    managedIdentities: {
      systemAssigned: true
    }
  }
}

resource clusterTopicSenders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (cluster, index) in clusters: {
    name: guid(noticesQueue.id, cluster.id, builtInRoles.serviceBusDataSender)
    scope: noticesQueue
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataSender)
      principalId: clusterTopics[index].outputs.systemAssignedMIPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource scheduledEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (routeScheduledEvents) {
  name: guid(noticesQueue.id, subscription().id, builtInRoles.serviceBusDataSender)
  scope: noticesQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataSender)
    principalId: scheduledEventsTopic!.outputs.systemAssignedMIPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Subscriptions are created after their topic's identity may send: Event Grid checks delivery at creation.
resource clusterSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = [
  for (cluster, index) in clusters: {
    name: '${topicNamePrefix}-aks-${index}/to-notices-queue'
    properties: {
      deliveryWithResourceIdentity: {
        identity: { type: 'SystemAssigned' }
        destination: {
          endpointType: 'ServiceBusQueue'
          properties: { resourceId: noticesQueue.id }
        }
      }
      filter: { includedEventTypes: aksEventTypes }
      eventDeliverySchema: 'EventGridSchema'
    }
    dependsOn: [
      clusterTopicSenders
    ]
  }
]

resource scheduledEventsSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (routeScheduledEvents) {
  name: '${topicNamePrefix}-scheduled/to-notices-queue'
  properties: {
    deliveryWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: { resourceId: noticesQueue.id }
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
  }
  dependsOn: [
    scheduledEventsSender
  ]
}

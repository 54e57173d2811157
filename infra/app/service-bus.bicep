// The notices queue (retirement notices and the AKS events Event Grid routes to it) and the alert topic.
// Event Grid reuses the event id as the message id on redelivery, and the product sends alerts with a
// stable id, so both de-duplicate. No sessions: Event Grid cannot deliver to a session-enabled queue.
// Local (SAS) auth is off: only identities with a data role get in.
param name string
param noticesQueueName string
param alertTopicName string
param location string
param tags object

module namespace 'br/public:avm/res/service-bus/namespace:0.16.1' = {
  name: 'service-bus-namespace'
  params: {
    name: name
    location: location
    tags: tags
    skuObject: {
      name: 'Standard'
    }
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    queues: [
      {
        name: noticesQueueName
        requiresDuplicateDetection: true
        duplicateDetectionHistoryTimeWindow: 'P1D'
        requiresSession: false
        maxDeliveryCount: 10
        lockDuration: 'PT1M'
        deadLetteringOnMessageExpiration: true
      }
    ]
    topics: [
      {
        name: alertTopicName
        requiresDuplicateDetection: true
        duplicateDetectionHistoryTimeWindow: 'P1D'
      }
    ]
  }
}

output name string = namespace.outputs.name
output noticesQueueId string = '${namespace.outputs.resourceId}/queues/${noticesQueueName}'
